/**
 * Where the screens get plans from. Two kinds, one contract: `localPlans`
 * makes them on the calling thread; `workerPlans` (workerPlans.ts) on a
 * worker thread of their own, which the TUI uses so that making and writing
 * 100,000 rows never holds the thread that draws.
 */
import type { Journal } from '../journal.js';
import type { Context } from '../operations/context.js';
import { localPlanRef, type PlanRef } from './planRef.js';
import { buildRequested, type PlanRequest } from './planRequest.js';

export interface Plans {
  build(request: PlanRequest): Promise<PlanRef>;
  /**
   * Lets go of every plan made so far (a 100,000-row plan holds a few hundred megabytes): the TUI calls it when
   * it is back at the stage tables, where no screen shows a plan. A plan asked about after is reported gone.
   */
  forget(): Promise<void>;
  /** Ends the worker, if there is one; plans made before are no longer reachable. */
  close(): Promise<void>;
}

export function localPlans(ctx: Context, journal?: Journal): Plans {
  return {
    build: async (request) => localPlanRef(ctx, journal, await buildRequested(ctx, journal, request)),
    // The plans are the callers' own objects here: they go when the callers let go of them.
    forget: async () => undefined,
    close: async () => undefined,
  };
}
