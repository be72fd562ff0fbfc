/**
 * The journal: one JSON line per applied (or attempted) plan, in
 * $XDG_STATE_HOME/evfix/journal.jsonl. A "started" line is written before the
 * transaction and a result line after it, so an interrupted apply can be found
 * and reconciled. The file is private to the operator (0600 in a 0700 folder).
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';

export const JournalEntrySchema = z.object({
  time: z.string(),
  plan_id: z.string(),
  kind: z.string(),
  stage: z.string(),
  operator: z.string(),
  description: z.string(),
  warehouse: z.string(),
  result: z.enum(['started', 'applied', 'already-applied', 'refused', 'failed']),
  counts: z.object({ exclusions: z.number(), exceptions: z.number() }).optional(),
  rerun: z.object({ stage: z.string(), current_date_offset: z.number() }).optional(),
  message: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export function journalPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'evfix', 'journal.jsonl');
}

export class Journal {
  constructor(readonly path: string = journalPath()) {}

  append(entry: JournalEntry): void {
    const dir = join(this.path, '..');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    appendFileSync(this.path, JSON.stringify(entry) + '\n', { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  /** Entries newest first; lines that do not parse are skipped rather than failing the history. */
  read(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          const parsed = JournalEntrySchema.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      })
      .reverse();
  }
}

/**
 * One entry per apply attempt, newest first: the result line where there is
 * one, else the "started" line of an apply that never finished (interrupted).
 */
export function attempts(entries: readonly JournalEntry[]): JournalEntry[] {
  const finished = new Set<string>();
  const out: JournalEntry[] = [];
  for (const e of entries) {
    if (e.result === 'started') {
      if (!finished.delete(e.plan_id)) out.push({ ...e, message: e.message ?? 'interrupted: no result was recorded' });
    } else {
      finished.add(e.plan_id);
      out.push(e);
    }
  }
  return out;
}
