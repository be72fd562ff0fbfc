/**
 * Opening the warehouse behind the one service: the engine the config names, the journal, and the outcome of
 * any apply interrupted last time, reconciled before the service answers anything else. The CLI opens it
 * before its command runs; the TUI loads this module only after its first frame, so the engines' code is
 * compiled while the operator already reads the stage tables.
 */
import type { Config } from '../config.js';
import { Journal } from '../journal.js';
import type { Context } from '../operations/context.js';
import { describeReconciled, type Reconciled } from '../operations/reconcile.js';
import { openEngine, type EngineOptions } from '../openWarehouse.js';
import { nowMicros, type Micros } from '../timestamp.js';
import { createService, type Service } from './service.js';

/** `notes`: the reconciled outcomes, one line each, as the operator reads them. */
export type Opened = { ctx: Context; service: Service; reconciled: Reconciled[]; notes: string[] };

export async function openService(
  config: Config,
  options: { operator: string; journal?: Journal; now?: () => Micros; engine?: EngineOptions },
): Promise<Opened> {
  const now = options.now ?? nowMicros;
  const ctx: Context = { config, engine: await openEngine(config, now, options.engine), now, operator: options.operator };
  const service = createService(ctx, options.journal ?? new Journal());
  const reconciled = await service.call('reconcile', {});
  return { ctx, service, reconciled, notes: reconciled.map(describeReconciled) };
}
