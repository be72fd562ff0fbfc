/**
 * Errors an operator can act on. Every refusal in evfix is an EvfixError whose
 * message says what is wrong, where, and (when it helps) what to do next; the
 * CLI prints only the message, the TUI shows it in the screen where it happened.
 */
export type ErrorKind =
  | 'usage' // the command line or a form is malformed: exit code 2
  | 'input' // a value (UUID, timestamp, JSON path...) is invalid
  | 'config' // the configuration file is invalid
  | 'refused' // the operation is understood but must not run (stale plan, nothing to do)
  | 'warehouse'; // the warehouse failed or is unavailable (locked, missing table)

export class EvfixError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'EvfixError';
  }
}

/**
 * A write was submitted and the warehouse cannot say whether it committed (the connection was lost while
 * waiting). Journaled as "unknown" with the job, so the next start asks the warehouse again instead of
 * recording a failure that may have committed.
 */
export class OutcomeUnknownError extends EvfixError {
  constructor(
    message: string,
    readonly jobId: string,
  ) {
    super('warehouse', message);
    this.name = 'OutcomeUnknownError';
  }
}

export const inputError = (field: string, message: string) => new EvfixError('input', `${field}: ${message}`, field);

export const refused = (message: string) => new EvfixError('refused', message);

/** The operator-facing text of any thrown value; never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof EvfixError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
