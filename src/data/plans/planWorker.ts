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
import { nowMicros } from '../timestamp.js';
import { localPlanRef, type PlanRef } from './planRef.js';
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
/** Each plan as this thread's own PlanRef: what the screen thread asks of one is asked of it here. */
const kept = new Map<string, PlanRef>();

function keep(ref: PlanRef) {
  kept.delete(ref.info.id);
  kept.set(ref.info.id, ref);
  for (const id of kept.keys()) if (kept.size > KEPT) kept.delete(id);
  return ref.info;
}

/** A plan asked about is the one on screen: it becomes the newest, the last to be dropped. */
function held(id: string): PlanRef {
  const ref = kept.get(id);
  if (!ref) throw refused(`plan ${id} is no longer held (evfix keeps the ${KEPT} used last); make it again`);
  kept.delete(id);
  kept.set(id, ref);
  return ref;
}

async function answer(call: WorkerCall): Promise<unknown> {
  switch (call.method) {
    case 'build':
      return keep(localPlanRef(ctx, journal, await buildRequested(ctx, journal, call.request)));
    case 'change':
      return held(call.plan).change(call.index);
    case 'summary':
      return held(call.plan).summary();
    case 'applySql':
      return held(call.plan).applySql();
    case 'redescribe':
      return keep(await held(call.plan).redescribe(call.text));
    case 'apply':
      return held(call.plan).apply();
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
