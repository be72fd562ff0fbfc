/**
 * After a crash, a lost SSH session or a SIGKILL, the journal can end with a "started" line and no result. On
 * the next start evfix finds out what really happened and writes it down: a plan is committed exactly when its
 * audit row is in the warehouse (written in the same transaction), so the audit table answers. A job-based
 * engine (BigQuery) is asked about the job first: a job still running is left to finish, and a job that is
 * gone is not taken for a rollback until the audit table says so.
 */
import { describeError } from '../errors.js';
import { attempts, type Journal } from '../journal.js';
import { formatTimestamp } from '../timestamp.js';
import type { Context } from './context.js';

function running(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type Reconciled = { plan_id: string; started: string; outcome: 'committed' | 'rolled back' | 'unknown'; message: string };

export async function reconcileJournal(ctx: Context, journal: Journal): Promise<Reconciled[]> {
  // An apply whose process still runs (another operator's, on this host) is in progress, not interrupted.
  const interrupted = attempts(journal.read()).filter(
    (e) => (e.result === 'started' || e.result === 'unknown') && e.warehouse === ctx.engine.label && !running(e.pid),
  );
  const out: Reconciled[] = [];
  for (const entry of interrupted) {
    const base = { plan_id: entry.plan_id, started: entry.time };
    try {
      if (entry.job_id && ctx.engine.jobOutcome) {
        const job = await ctx.engine.jobOutcome(entry.job_id);
        if (job.state === 'running') {
          out.push({ ...base, outcome: 'unknown', message: `job ${entry.job_id} is still running; evfix will check it again on the next start` });
          continue;
        }
      }
      const [audited] = await ctx.engine.auditEntries({ planId: entry.plan_id, limit: 1 });
      const time = formatTimestamp(ctx.now());
      if (audited) {
        const message = `reconciled: the apply interrupted at ${entry.time} had committed (the audit table records it at ${audited.applied_at})`;
        journal.append({ ...entry, time, result: 'applied', applied_at: audited.applied_at, counts: audited.counts, message });
        out.push({ ...base, outcome: 'committed', message });
      } else {
        const message = `reconciled: the apply interrupted at ${entry.time} was rolled back (the audit table does not record it); nothing of it was written`;
        journal.append({ ...entry, time, result: 'rolled-back', message });
        out.push({ ...base, outcome: 'rolled back', message });
      }
    } catch (error) {
      out.push({ ...base, outcome: 'unknown', message: `could not check plan ${entry.plan_id}: ${describeError(error)}` });
    }
  }
  return out;
}

export const describeReconciled = (r: Reconciled) => `interrupted apply of plan ${r.plan_id} (started ${r.started.slice(0, 19)}): ${r.outcome}. ${r.message}`;
