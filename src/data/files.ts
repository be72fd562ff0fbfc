/**
 * Reading the files operators name (configs, plans, event and key files, replacement documents, dbt's key files
 * and manifests): one place that reads, and one wording of why a file cannot be read; each caller says what the
 * file was for, in its own kind of error.
 */
import { readFileSync } from 'node:fs';
import { EvfixError } from './errors.js';

/** Why a file could not be read, in words: it does not exist, it is a folder, permission denied, or the system's message. */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
}

/** The file's text, or the error `refuse` makes of why it cannot be read (and the system's code, e.g. ENOENT). */
export function readTextOr(file: string, refuse: (why: string, code: string | undefined) => Error): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw refuse(unreadableReason(error), (error as NodeJS.ErrnoException).code);
  }
}

/** The file's text; an unreadable file is refused with its name and what it was for. */
export function readText(file: string, what: string): string {
  return readTextOr(file, (why) => new EvfixError('input', `${file}: cannot be read (${why}); it was given as the ${what}`, what));
}
