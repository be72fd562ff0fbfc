/** Reading the files operators name (plans, event files, replacement documents): one message when one cannot be read. */
import { readFileSync } from 'node:fs';
import { EvfixError } from './errors.js';

/** The file's text; an unreadable file is refused with its name and what it was for. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new EvfixError('input', `${file}: cannot be read (${why}); it was given as the ${what}`, what);
  }
}
