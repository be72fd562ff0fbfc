/** The messages between workerPlans (the screen's thread) and planWorker (the thread that makes and writes plans). */
import type { Config } from '../config.js';
import { EvfixError, type ErrorKind } from '../errors.js';
import type { Micros } from '../timestamp.js';
import type { PlanRequest } from './planRequest.js';

/** Without a journal path (the benchmarks) nothing is journaled. */
export type WorkerSetup = { config: Config; operator: string; journalPath?: string };

export type WorkerCall =
  | { method: 'build'; request: PlanRequest }
  | { method: 'change'; plan: string; index: number }
  | { method: 'summary'; plan: string }
  | { method: 'applySql'; plan: string }
  | { method: 'redescribe'; plan: string; text: string }
  | { method: 'apply'; plan: string }
  | { method: 'forget' };

/** `now` is the screen thread's clock at the call: the worker's plans carry the same times a local plan would. */
export type WorkerMessage = { id: number; now: Micros; call: WorkerCall };

export type WorkerFailure = { message: string; kind?: ErrorKind; field?: string };
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WorkerFailure };

export function toFailure(error: unknown): WorkerFailure {
  if (error instanceof EvfixError) return { message: error.message, kind: error.kind, ...(error.field ? { field: error.field } : {}) };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The error as thrown on the worker's side: an EvfixError keeps its kind and field. */
export function fromFailure(failure: WorkerFailure): Error {
  return failure.kind ? new EvfixError(failure.kind, failure.message, failure.field) : new Error(failure.message);
}
