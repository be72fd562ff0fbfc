/**
 * After a crash, a lost SSH session or a SIGKILL, the journal can end with a
 * "started" line and no result. On the next start evfix asks the warehouse
 * what really happened (the plan's rows are there: committed; the state is as
 * the plan found it: rolled back) and writes that down.
 */
import { describeError } from '../errors.js';
import { attempts, type Journal } from '../journal.js';
import { formatTimestamp } from '../timestamp.js';
import type { Context } from './context.js';
import { appliedAtOf, decideApply } from './state.js';

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
  const interrupted = attempts(journal.read()).filter((e) => e.result === 'started' && e.warehouse === ctx.warehouse.label && !running(e.pid));
  const out: Reconciled[] = [];
  for (const entry of interrupted) {
    const base = { plan_id: entry.plan_id, started: entry.time };
    try {
      // A job-based engine knows the job's own outcome: a script job that failed rolled back as a whole.
      if (entry.job_id && ctx.warehouse.jobOutcome) {
        const job = await ctx.warehouse.jobOutcome(entry.job_id);
        if (job.state === 'running') {
          out.push({ ...base, outcome: 'unknown', message: `job ${entry.job_id} is still running; evfix will check it again on the next start` });
          continue;
        }
        if (job.state !== 'done') {
          const why = job.state === 'failed' ? `job ${entry.job_id} failed (${job.message})` : `job ${entry.job_id} was never submitted`;
          const message = `reconciled: the apply interrupted at ${entry.time} was rolled back: ${why}; nothing of it was written`;
          journal.append({ ...entry, time: formatTimestamp(ctx.now()), result: 'rolled-back', message });
          out.push({ ...base, outcome: 'rolled back', message });
          continue;
        }
      }
      const plan = journal.loadPlan(entry.plan_id);
      const p = plan.preconditions;
      const state = await ctx.warehouse.readState(p.event_ids, p.from, p.until);
      const decision = await decideApply(plan, state);
      const time = formatTimestamp(ctx.now());
      const common = { ...entry, time };
      if (decision.action === 'already-applied') {
        const message = `reconciled: the apply interrupted at ${entry.time} had committed`;
        journal.append({ ...common, result: 'applied', applied_at: appliedAtOf(plan, state), message });
        out.push({ ...base, outcome: 'committed', message });
      } else {
        const message = `reconciled: the apply interrupted at ${entry.time} was rolled back; nothing of it was written`;
        journal.append({ ...common, result: 'rolled-back', message });
        out.push({ ...base, outcome: 'rolled back', message });
      }
    } catch (error) {
      out.push({ ...base, outcome: 'unknown', message: `could not check plan ${entry.plan_id}: ${describeError(error)}` });
    }
  }
  return out;
}

export const describeReconciled = (r: Reconciled) => `interrupted apply of plan ${r.plan_id} (started ${r.started.slice(0, 19)}): ${r.outcome}. ${r.message}`;
