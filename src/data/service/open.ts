/**
 * Opening the warehouse behind the one service: the engine the config names, the journal, and the outcome of
 * any apply interrupted last time, reconciled before the service answers anything else. The CLI opens it
 * before its command runs; the TUI loads this module only after its first frame, so the engines' code is
 * compiled while the operator already reads the stage tables.
 */
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
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
  // `reconcile: 'best-effort'` (the TUI): a journal or audit table that cannot be read becomes a note instead of
  // failing the opening; the CLI's commands fail instead, closing what they opened.
  options: { operator: string; journal?: Journal; now?: () => Micros; engine?: EngineOptions; reconcile?: 'required' | 'best-effort' },
): Promise<Opened> {
  const now = options.now ?? nowMicros;
  const ctx: Context = { config, engine: await openEngine(config, now, options.engine), now, operator: options.operator };
  const service = createService(ctx, options.journal ?? new Journal());
  try {
    const reconciled = await service.call('reconcile', {});
    return { ctx, service, reconciled, notes: reconciled.map(describeReconciled) };
  } catch (error) {
    if (options.reconcile !== 'best-effort') {
      await service.close();
      throw error;
    }
    return { ctx, service, reconciled: [], notes: [`could not check for an apply interrupted last time: ${describeError(error)}`] };
  }
}
