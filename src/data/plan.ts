/**
 * The Plan: exactly which rows go into which table, and the state of the
 * warehouse it was made against.
 *
 * Every operation returns a Plan; only apply writes, and it writes what the
 * plan says and nothing else. A plan is plain JSON so it can be saved, read,
 * reviewed and applied later; its id is a hash of its content, so a plan file
 * edited by hand is recognised and refused.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { EvfixError } from './errors.js';
import { EventIdText, ExceptionRowSchema, ExclusionRowSchema, TimestampText } from './model.js';

const StoredExceptionSchema = ExceptionRowSchema.extend({ exception_added_timestamp: TimestampText });
const StoredExclusionSchema = ExclusionRowSchema.extend({ exclusion_added_timestamp: TimestampText });
import { EditSchema } from './json/edit.js';
import { forEachInSlices, mapInSlices, pacer } from './slices.js';

export const PLAN_FORMAT = 'evfix-plan/1';

/** A fingerprint of an existing row, so that apply can tell whether it changed since the plan was made. */
const RowRefSchema = z.strictObject({
  event_id: EventIdText,
  event_created_at: TimestampText,
  /** ingested_at for originals, added timestamp for exceptions and exclusions */
  at: TimestampText.nullable(),
  digest: z.string(),
});
export type RowRef = z.infer<typeof RowRefSchema>;

export const EventStateSchema = z.strictObject({
  sources: z.array(RowRefSchema),
  exceptions: z.array(RowRefSchema),
  exclusions: z.array(RowRefSchema),
});
/** What the three tables hold for a set of event_ids. */
export type EventState = z.infer<typeof EventStateSchema>;

export const PreconditionsSchema = z.strictObject({
  /** The event_ids whose rows must be as recorded in `state` when the plan is applied. */
  event_ids: z.array(EventIdText),
  /** The event_created_at range the state was read over (bounds partitions on BigQuery). */
  from: TimestampText,
  until: TimestampText,
  state: EventStateSchema,
  /** The engine's fingerprint of the same rows (see Warehouse.readState): equal at apply time means unchanged. */
  fingerprint: z.string().optional(),
});
export type Preconditions = z.infer<typeof PreconditionsSchema>;

export const ChangeSchema = z.strictObject({
  event_id: EventIdText,
  event_created_at: TimestampText,
  /** event_data the stage table showed when the plan was made; null for an inserted event */
  before: z.string().nullable(),
  after: z.string(),
});
export type Change = z.infer<typeof ChangeSchema>;

const SkippedSchema = z.strictObject({ event_id: EventIdText, event_created_at: TimestampText, reason: z.string() });

export const PlanKindSchema = z.enum(['dedupe', 'exclude', 'update', 'insert', 'revert']);
export type PlanKind = z.infer<typeof PlanKindSchema>;

export const PlanSchema = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  id: z.string(),
  kind: PlanKindSchema,
  stage: z.string(),
  event_name: z.string(),
  created_at: TimestampText,
  operator: z.string().min(1),
  description: z.string().min(1),
  /** Which warehouse the plan was made on; a plan is refused on another. */
  warehouse: z.string(),
  edits: z.array(EditSchema),
  exclusions: z.array(ExclusionRowSchema),
  exceptions: z.array(ExceptionRowSchema),
  changes: z.array(ChangeSchema),
  /** Rows a revert deletes: exactly those an earlier plan wrote, with the timestamps it wrote them at. */
  removals: z.strictObject({ exclusions: z.array(StoredExclusionSchema), exceptions: z.array(StoredExceptionSchema) }),
  /** Events the operation looked at and left alone, with the reason (e.g. already has that value). */
  skipped: z.array(SkippedSchema),
  preconditions: PreconditionsSchema,
});
export type Plan = z.infer<typeof PlanSchema>;
export type PlanDraft = Omit<Plan, 'id' | 'format'>;

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An object's keys in the order stable JSON lists them, and each quoted. */
type KeyOrder = { names: string[]; quoted: string[] };

/** Each key list met, in order: rows of one kind share their keys, so each kind is sorted once. */
const keyOrders = new Map<string, KeyOrder>();

const isArrayIndex = (k: string) => /^(?:0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

/** The order last used: rows side by side in a plan share their keys, and checking costs no allocation. */
let lastOrder: KeyOrder | undefined;

/** True when `o`'s own enumerable keys are exactly `names` (in any order). */
function hasExactly(o: object, names: readonly string[]): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
    n++;
  }
  if (n !== names.length) return false;
  for (const k of names) if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
  return true;
}

function keyOrderOf(o: object): KeyOrder {
  if (lastOrder !== undefined && hasExactly(o, lastOrder.names)) return lastOrder;
  lastOrder = keyOrderFromList(o);
  return lastOrder;
}

function keyOrderFromList(o: object): KeyOrder {
  const keys = Object.keys(o);
  const list = keys.join('\u0000');
  let order = keyOrders.get(list);
  // Keys holding the joining character could join alike from another key list: a hit must have these keys.
  if (order !== undefined && (order.names.length !== keys.length || !order.names.every((k) => Object.prototype.hasOwnProperty.call(o, k)))) order = undefined;
  if (order === undefined) {
    // As an object built in sorted order lists them: array-index keys first, by number; then the rest, sorted.
    const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
    const names = [...indices, ...keys.filter((k) => !isArrayIndex(k)).sort()];
    order = { names, quoted: names.map((k) => JSON.stringify(k)) };
    if (keyOrders.size < 10_000) keyOrders.set(list, order);
  }
  return order;
}

const isPrimitive = (v: unknown) => v === null || (typeof v !== 'object' && typeof v !== 'function');

/**
 * Stable JSON of any plain value: JSON.stringify's text with every object's keys sorted, for hashing. Written
 * out here rather than by JSON.stringify with a sorting replacer, which made a sorted copy of every object and
 * sorted its keys again each time: a fifth of what planning 100,000 rows allocated. A flat object (a plan row)
 * goes to JSON.stringify whole, with its keys in order as the property list.
 */
export function stable(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return stable((json as () => unknown).call(value));
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (stable(value[i]) ?? 'null');
    return out + ']';
  }
  const { names, quoted } = keyOrderOf(value);
  const record = value as Record<string, unknown>;
  if (names.every((k) => isPrimitive(record[k]))) return JSON.stringify(value, names);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const text = stable(record[names[i]!]);
    if (text !== undefined) out += (out.length > 1 ? ',' : '') + quoted[i] + ':' + text;
  }
  return out + '}';
}

const planId = (draft: Omit<Plan, 'id'>) => digest(stable(draft)!).slice(0, 16);

/** A warehouse job id for applying a plan: names the plan, unique per attempt, in BigQuery's job id alphabet. */
export const applyJobId = (plan: Pick<Plan, 'id'>) => `evfix_apply_${plan.id}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

export type PlanExtent = { oldest: string; newest: string };

// Plans are never changed once sealed, so what is computed of one holds for its life.
const extents = new WeakMap<Plan, Promise<PlanExtent>>();
/** The extent of a plan with no rows: oldest after every timestamp, newest before. */
const NO_OLDEST = '9999-12-31 23:59:59.999999';

export function sealPlan(draft: PlanDraft): Plan {
  const body = { format: PLAN_FORMAT, ...draft } as const;
  return PlanSchema.parse({ ...body, id: planId(body) });
}

/**
 * sealPlan for plans of any size without holding the event loop: the stable
 * JSON is hashed piece by piece and the row arrays are validated in slices
 * (the TUI keeps drawing while a 100,000-row plan is sealed). Same id and the
 * same validated plan as sealPlan.
 */
export async function sealPlanAsync(draft: PlanDraft): Promise<Plan> {
  const body = { format: PLAN_FORMAT, ...draft } as const;
  const id = await stableDigestAsync(body);
  const checkSlices = <T>(rows: readonly unknown[], schema: z.ZodType<T>): Promise<T[]> => mapInSlices(rows, (row) => schema.parse(row));
  // The extent is found in the same pass as the rows are checked, while each row is at hand: a pass of its own
  // over 300,000 rows scattered in the heap costs 30-45 ms of apply's time.
  let oldest = NO_OLDEST, newest = '';
  const checkTimed = <T extends { event_created_at: string }>(rows: readonly unknown[], schema: z.ZodType<T>): Promise<T[]> =>
    mapInSlices(rows, (row) => {
      const checked = schema.parse(row);
      if (checked.event_created_at < oldest) oldest = checked.event_created_at;
      if (checked.event_created_at > newest) newest = checked.event_created_at;
      return checked;
    });
  const { exclusions, exceptions, changes, skipped, removals, preconditions, ...envelope } = body;
  const shell = PlanSchema.parse({
    ...envelope,
    id,
    exclusions: [],
    exceptions: [],
    changes: [],
    skipped: [],
    removals: { exclusions: [], exceptions: [] },
    preconditions: { ...preconditions, event_ids: [], state: { sources: [], exceptions: [], exclusions: [] } },
  });
  const plan: Plan = {
    ...shell,
    exclusions: await checkTimed(exclusions, ExclusionRowSchema),
    exceptions: await checkTimed(exceptions, ExceptionRowSchema),
    changes: await checkSlices(changes, ChangeSchema),
    skipped: await checkSlices(skipped, SkippedSchema),
    removals: { exclusions: await checkTimed(removals.exclusions, StoredExclusionSchema), exceptions: await checkTimed(removals.exceptions, StoredExceptionSchema) },
    preconditions: {
      ...shell.preconditions,
      event_ids: await checkSlices(preconditions.event_ids, EventIdText),
      state: {
        sources: await checkSlices(preconditions.state.sources, RowRefSchema),
        exceptions: await checkSlices(preconditions.state.exceptions, RowRefSchema),
        exclusions: await checkSlices(preconditions.state.exclusions, RowRefSchema),
      },
    },
  };
  extents.set(plan, Promise.resolve({ oldest, newest }));
  return plan;
}

/** digest(stable(value)).slice(0, 16), computed piece by piece: large arrays are stringified in slices. */
async function stableDigestAsync(value: unknown): Promise<string> {
  const hash = createHash('sha256');
  const pace = pacer();
  const feed = async (v: unknown): Promise<void> => {
    if (Array.isArray(v) && v.length > 100) {
      hash.update('[');
      for (let i = 0; i < v.length; i++) {
        if (i) hash.update(',');
        hash.update(stable(v[i]) ?? 'null');
        if (pace.due()) await pace.rest();
      }
      hash.update(']');
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
      hash.update('{');
      for (const [i, k] of keys.entries()) {
        hash.update(`${i ? ',' : ''}${JSON.stringify(k)}:`);
        await feed((v as Record<string, unknown>)[k]);
      }
      hash.update('}');
    } else hash.update(stable(v) ?? 'null');
  };
  await feed(value);
  return hash.digest('hex').slice(0, 16);
}

export const serializePlan = (plan: Plan) => JSON.stringify(plan, null, 2) + '\n';

/** Reads a plan file, refusing anything malformed or edited since it was made. */
export function parsePlan(text: string, source = 'plan'): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new EvfixError('input', `${source}: not valid JSON: ${(error as Error).message}`);
  }
  const result = PlanSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new EvfixError('input', `${source}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, issue.path.join('.'));
  }
  const { id, ...body } = result.data;
  if (planId(body) !== id) {
    throw new EvfixError('refused', `${source}: the plan was changed after it was made (its content no longer matches id ${id}); make a new plan instead of editing one`);
  }
  return result.data;
}

export function readPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new EvfixError('input', `${file}: cannot be read`);
  }
  return parsePlan(text, file);
}

/**
 * The oldest and newest event_created_at a plan touches: one pass in slices over up to 300,000 rows (30 ms in one go, a visible
 * freeze), done once per plan however many screens and steps ask; a plan sealed here has it already.
 */
export function planExtent(plan: Plan): Promise<PlanExtent> {
  let extent = extents.get(plan);
  if (!extent) {
    extent = (async () => {
      // Canonical timestamps order as text: no parsing, no sort.
      let oldest = NO_OLDEST, newest = '';
      const all: (readonly { event_id: string; event_created_at: string }[])[] = [plan.exclusions, plan.exceptions, plan.removals.exclusions, plan.removals.exceptions];
      for (const rows of all) {
        await forEachInSlices(rows, (r) => {
          if (r.event_created_at < oldest) oldest = r.event_created_at;
          if (r.event_created_at > newest) newest = r.event_created_at;
        });
      }
      return { oldest, newest };
    })();
    extents.set(plan, extent);
  }
  return extent;
}

export function planCounts(plan: Plan) {
  return { exclusions: plan.exclusions.length, exceptions: plan.exceptions.length };
}
