/**
 * Failures a test asks for, on the calls it names:
 *
 *   bq.faults.add({ on: 'jobs.insert', match: (r) => r.query?.includes('COMMIT') ?? false, times: 1, effect: 'unavailable-after' })
 *
 * Effects on any call (the request is answered with the error, nothing happens):
 *   'unavailable-before'  503 backendError
 *   'internal-error'      500 internalError
 *   'rateLimitExceeded'   403 rateLimitExceeded (`{ rateLimitExceeded: 429 }` for the 429 form)
 *   'quotaExceeded'       403 quotaExceeded
 *   { error: { code, reason, message } }
 * Effects on jobs.insert that let the job be created:
 *   'unavailable-after'   the job is created and runs, the answer is a 503 (a lost response)
 *   'reset-after'         the job is created and runs, the connection is destroyed unanswered
 *   'concurrent-update'   the job's COMMIT (or DML outside a transaction) is aborted by a concurrent update
 *   { slow: n }           the job does not start until it has been polled n times (cancel can stop it)
 *   'cancel-finishes'     jobs.cancel is acknowledged but the job runs to success anyway
 * `times` defaults to 1 (Infinity: every matching call); `hits` counts the calls a fault answered.
 */
import { BigqueryError, errors } from './errors.js';

export type Api = 'jobs.insert' | 'jobs.get' | 'jobs.getQueryResults' | 'jobs.cancel' | 'tables.get' | 'datasets.get';

export type FaultEffect =
  | 'unavailable-before'
  | 'internal-error'
  | 'rateLimitExceeded'
  | 'quotaExceeded'
  | 'unavailable-after'
  | 'reset-after'
  | 'concurrent-update'
  | 'cancel-finishes'
  | { rateLimitExceeded: 403 | 429 }
  | { slow: number }
  | { error: { code: number; reason: string; message: string } };

/** What a fault's `match` sees of a call. */
export type FaultRequest = { api: Api; jobId?: string; query?: string; dryRun?: boolean; kind?: 'query' | 'load'; location?: string };

export type Fault = { on: Api | Api[]; match?: (request: FaultRequest) => boolean; times?: number; effect: FaultEffect };
export type FaultHandle = Fault & { hits: number };

const JOB_EFFECTS = new Set(['unavailable-after', 'reset-after', 'concurrent-update', 'cancel-finishes']);

export class Faults {
  readonly active: FaultHandle[] = [];

  add(fault: Fault): FaultHandle {
    const handle = { times: 1, ...fault, hits: 0 };
    this.active.push(handle);
    return handle;
  }

  clear() {
    this.active.length = 0;
  }

  /** Takes (counts and uses up) the faults that answer this call. */
  take(request: FaultRequest): FaultEffect[] {
    const out: FaultEffect[] = [];
    for (const f of this.active) {
      const apis = Array.isArray(f.on) ? f.on : [f.on];
      if (!apis.includes(request.api) || f.hits >= (f.times ?? 1)) continue;
      if (f.match && !f.match(request)) continue;
      const jobEffect = typeof f.effect === 'string' ? JOB_EFFECTS.has(f.effect) : 'slow' in f.effect;
      if (jobEffect && request.api !== 'jobs.insert') continue;
      // One error answers a call; job effects (slow, cancel-finishes...) combine.
      if (failureOf(f.effect) && out.some((e) => failureOf(e))) continue;
      f.hits++;
      out.push(f.effect);
    }
    return out;
  }
}

/** The error an answering fault responds with, if it is one that stops the call. */
export function failureOf(effect: FaultEffect): BigqueryError | undefined {
  if (effect === 'unavailable-before') return errors.backendError();
  if (effect === 'internal-error') return errors.internalError();
  if (effect === 'rateLimitExceeded') return errors.rateLimitExceeded();
  if (effect === 'quotaExceeded') return errors.quotaExceeded();
  if (typeof effect === 'object' && 'rateLimitExceeded' in effect) return errors.rateLimitExceeded(effect.rateLimitExceeded);
  if (typeof effect === 'object' && 'error' in effect) return new BigqueryError(effect.error.reason, effect.error.message, effect.error.code);
  return undefined;
}
