/**
 * The one service the TUI and the CLI reach the data side through. Built from the request table
 * (requests.ts): each call's arguments are parsed by the request's schema (bad input gets one message naming
 * the field, before anything runs), its handler runs, and its reply is parsed by the reply's schema.
 *
 * It runs in the calling process. Plans are made and written by the warehouse (set-based SQL), so no call
 * holds the thread that draws the screen for long; the benchmarks hold that to a frame.
 */
import { EvfixError } from '../errors.js';
import type { Journal } from '../journal.js';
import type { Context } from '../operations/context.js';
import type { Plan } from '../plan.js';
import { REQUESTS, type Reply, type RequestArgs, type RequestKind } from './requests.js';
import { PARSE_OPTIONS } from '../parseOptions.js';

export type CallOptions = { onProgress?: (line: string) => void };

export interface Service {
  call<K extends RequestKind>(kind: K, args: RequestArgs<K>, options?: CallOptions): Promise<Reply<K>>;
  /** The context the service runs against (the configuration above all; the engine stays behind the service). */
  readonly config: Context['config'];
  readonly operator: string;
  /** Stops the warehouse reads in flight (leaving a screen). */
  cancelReads(): Promise<void>;
  close(): Promise<void>;
}

/** A zod issue as one line naming the field. */
function describeIssue(kind: string, error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0]!;
  const where = issue.path.map(String).join('.') || '(arguments)';
  return `${kind}: ${where}: ${issue.message}`;
}

export function createService(ctx: Context, journal?: Journal): Service {
  const plans = new Map<string, Plan>();
  return {
    config: ctx.config,
    operator: ctx.operator,
    async call(kind, args, options = {}) {
      const spec = REQUESTS[kind];
      const parsed = spec.args.safeParse(args, PARSE_OPTIONS);
      if (!parsed.success) throw new EvfixError('input', describeIssue(kind, parsed.error), String(parsed.error.issues[0]?.path[0] ?? kind));
      const value = await (spec.run as (h: unknown, a: unknown) => Promise<unknown>)(
        { ctx, journal, plans, progress: options.onProgress ?? (() => undefined) },
        parsed.data,
      );
      const reply = spec.reply.safeParse(value, PARSE_OPTIONS);
      if (!reply.success) throw new EvfixError('warehouse', `evfix answered ${describeIssue(kind, reply.error)} (a bug: please report it)`);
      return reply.data as Reply<typeof kind>;
    },
    cancelReads: async () => void (await ctx.engine.cancelReads?.()),
    close: () => ctx.engine.close(),
  };
}
