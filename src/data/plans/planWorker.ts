/**
 * The worker thread behind workerPlans: opens the warehouse from the same
 * configuration, makes plans, keeps them, and answers for their rows. Its
 * heap, and the garbage collections of making 100,000 rows, are its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { refused } from '../errors.js';
import { Journal } from '../journal.js';
import type { Context } from '../operations/context.js';
import { openWarehouse } from '../openWarehouse.js';
import type { Plan } from '../plan.js';
import { nowMicros } from '../timestamp.js';
import { applyPlan } from '../operations/apply.js';
import { redescribe } from '../operations/redescribe.js';
import { summarizePlan } from '../planSummary.js';
import { planInfo } from './planRef.js';
import { buildRequested } from './planRequest.js';
import { toFailure, type WorkerCall, type WorkerMessage, type WorkerReply, type WorkerSetup } from './workerProtocol.js';

/**
 * Plans kept for the screens that show them, the one used last at the end. A plan and the one its description
 * was put on, or one being reviewed while another is made, fit; one not used since is dropped, and asked for
 * again it is reported gone.
 */
const KEPT = 4;

const port = parentPort!;
const setup = workerData as WorkerSetup;
let now = nowMicros();
const ctx: Context = { config: setup.config, warehouse: await openWarehouse(setup.config, () => now), now: () => now, operator: setup.operator };
const journal = setup.journalPath === undefined ? undefined : new Journal(setup.journalPath);
const kept = new Map<string, Plan>();

function keep(plan: Plan) {
  kept.delete(plan.id);
  kept.set(plan.id, plan);
  for (const id of kept.keys()) if (kept.size > KEPT) kept.delete(id);
  return planInfo(plan);
}

/** A plan asked about is the one on screen: it becomes the newest, the last to be dropped. */
function held(id: string): Plan {
  const plan = kept.get(id);
  if (!plan) throw refused(`plan ${id} is no longer held (evfix keeps the ${KEPT} used last); make it again`);
  kept.delete(id);
  kept.set(id, plan);
  return plan;
}

async function answer(call: WorkerCall): Promise<unknown> {
  switch (call.method) {
    case 'build':
      return keep(await buildRequested(ctx, journal, call.request));
    case 'change':
      return held(call.plan).changes[call.index];
    case 'summary':
      return summarizePlan(ctx, held(call.plan));
    case 'applySql':
      return ctx.warehouse.applySql(held(call.plan));
    case 'redescribe':
      return keep(await redescribe(held(call.plan), call.text));
    case 'apply':
      return applyPlan(ctx, held(call.plan), journal);
    case 'forget':
      return void kept.clear();
  }
}

port.on('message', (message: WorkerMessage) => {
  // Calls that read the clock take the screen thread's; a change or the SQL asked for meanwhile does not move it.
  if (message.call.method === 'build' || message.call.method === 'redescribe' || message.call.method === 'summary' || message.call.method === 'apply') now = message.now;
  answer(message.call).then(
    (value) => port.postMessage({ id: message.id, ok: true, value } satisfies WorkerReply),
    (error: unknown) => port.postMessage({ id: message.id, ok: false, error: toFailure(error) } satisfies WorkerReply),
  );
});
