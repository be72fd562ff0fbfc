/**
 * Plans made, kept and written on a worker thread (planWorker.ts). The TUI
 * draws and reads keys on its main thread; making a 100,000-row plan there
 * allocated gigabytes, and the garbage collections that followed held the
 * screen for 25-50 ms at a time however finely the work was sliced. On a
 * thread of its own the work runs at the same speed, and the screen's
 * thread only carries messages: the envelope of a plan, one change at a
 * time, a summary, the result of a write.
 */
import { Worker } from 'node:worker_threads';
import { EvfixError } from '../errors.js';
import type { Journal } from '../journal.js';
import type { ApplyResult } from '../operations/apply.js';
import type { Context } from '../operations/context.js';
import type { Change } from '../plan.js';
import type { PlanSummary } from '../planSummary.js';
import type { PlanInfo, PlanRef } from './planRef.js';
import type { Plans } from './plans.js';
import { fromFailure, type WorkerCall, type WorkerMessage, type WorkerReply, type WorkerSetup } from './workerProtocol.js';

export function workerPlans(ctx: Context, journal: Journal | undefined, workerUrl: URL): Plans {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  // The worker keeps the process alive only while it has work: an idle one must not stop the TUI from exiting.
  const holdOpen = () => (pending.size ? worker?.ref() : worker?.unref());

  const start = (): Worker => {
    const setup: WorkerSetup = { config: ctx.config, operator: ctx.operator, ...(journal ? { journalPath: journal.path } : {}) };
    const w = new Worker(workerUrl, { workerData: setup });
    w.on('message', (reply: WorkerReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      holdOpen();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(fromFailure(reply.error));
    });
    const stopped = (why: string) => {
      if (worker !== w) return;
      worker = undefined;
      // Whatever it held is gone with it; what was asked of it fails, and the next request starts a new one.
      const error = new EvfixError('warehouse', `the thread making plans stopped (${why}); nothing more was written by it`);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    w.on('error', (error) => stopped(error.message));
    w.on('exit', (code) => stopped(`exit code ${code}`));
    return w;
  };

  const call = <T>(message: WorkerCall): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      worker ??= start();
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      holdOpen();
      worker.postMessage({ id, now: ctx.now(), call: message } satisfies WorkerMessage);
    });

  // The worker opens the warehouse with its own connection; an engine that lets one user at a time in (DuckDB)
  // holds this thread's calls back until the worker is done with it.
  const usingWarehouse = <T>(work: () => Promise<T>): Promise<T> => (ctx.warehouse.lend ? ctx.warehouse.lend(work) : work());

  const refTo = (info: PlanInfo): PlanRef => ({
    info,
    change: (index) => call<Change | undefined>({ method: 'change', plan: info.id, index }),
    summary: () => call<PlanSummary>({ method: 'summary', plan: info.id }),
    applySql: () => call<string>({ method: 'applySql', plan: info.id }),
    redescribe: async (text) => refTo(await call<PlanInfo>({ method: 'redescribe', plan: info.id, text })),
    apply: () => usingWarehouse(() => call<ApplyResult>({ method: 'apply', plan: info.id })),
  });

  return {
    build: async (request) => refTo(await usingWarehouse(() => call<PlanInfo>({ method: 'build', request }))),
    // No worker, nothing kept: forgetting must not start one.
    forget: async () => (worker ? call<void>({ method: 'forget' }) : undefined),
    close: async () => {
      const w = worker;
      worker = undefined;
      for (const waiting of pending.values()) waiting.reject(new EvfixError('refused', 'evfix is closing; the plan was not finished'));
      pending.clear();
      await w?.terminate();
    },
  };
}
