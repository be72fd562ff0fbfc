/**
 * The journal: one JSON line per applied (or attempted) plan, in
 * $XDG_STATE_HOME/evfix/journal.jsonl. A "started" line is written before the
 * transaction and a result line after it, so an interrupted apply can be found
 * and reconciled. The file is private to the operator (0600 in a 0700 folder).
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { serializePlan, type Plan } from './plan.js';
import * as z from 'zod';

export const JournalEntrySchema = z.object({
  time: z.string(),
  plan_id: z.string(),
  kind: z.string(),
  stage: z.string(),
  operator: z.string(),
  description: z.string(),
  warehouse: z.string(),
  result: z.enum(['started', 'applied', 'already-applied', 'refused', 'failed', 'rolled-back', 'unknown']),
  counts: z
    .object({ exclusions: z.number(), exceptions: z.number(), deleted: z.object({ exclusions: z.number(), exceptions: z.number() }).optional() })
    .optional(),
  /** The exception_added_timestamp / exclusion_added_timestamp the rows were written with. */
  applied_at: z.string().optional(),
  rerun: z.object({ stage: z.string(), current_date_offset: z.number() }).optional(),
  /** The warehouse job that writes the plan (BigQuery), recorded before it is submitted. */
  job_id: z.string().optional(),
  /** The process applying the plan: a "started" entry of a process still running is not interrupted. */
  pid: z.number().int().optional(),
  message: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export function journalPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'evfix', 'journal.jsonl');
}

export class Journal {
  constructor(readonly path: string = journalPath()) {}

  private ensureDir(dir: string) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  append(entry: JournalEntry): void {
    this.ensureDir(dirname(this.path));
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  /**
   * Plans applied from this host are kept beside the journal (a few kilobytes each, whatever their row count),
   * as are plans waiting for a second operator's approval; returns the file.
   */
  savePlan(plan: Plan): string {
    const dir = join(dirname(this.path), 'plans');
    this.ensureDir(dir);
    const file = join(dir, `${plan.id}.json`);
    // Another evfix may keep the same plan at the same moment: each writes its own temporary file.
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, serializePlan(plan), { mode: 0o600 });
    renameSync(temporary, file);
    return file;
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
