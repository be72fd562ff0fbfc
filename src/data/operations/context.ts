/** What every operation needs: the configuration, the warehouse engine, a clock and who is operating. */
import { userInfo } from 'node:os';
import type { Config } from '../config.js';
import type { Engine } from '../engine.js';
import { addDays, formatTimestamp, startOfDay, type Micros } from '../timestamp.js';

export type Context = {
  config: Config;
  engine: Engine;
  now: () => Micros;
  operator: string;
};

export function defaultOperator(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  if (config.operator) return config.operator;
  if (env.EVFIX_OPERATOR) return env.EVFIX_OPERATOR;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The start of the lookback window: midnight UTC `days` days before today.
 * Whole days keep windows aligned with BigQuery's daily partitions.
 */
export function lookbackStart(ctx: Pick<Context, 'config' | 'now'>, days = ctx.config.lookback_days): string {
  return formatTimestamp(startOfDay(addDays(ctx.now(), -days)));
}
