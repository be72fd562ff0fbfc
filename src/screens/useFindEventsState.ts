/**
 * The find-events screen's state as a reducer: the form (conditions, the created-at window), the matches as a
 * paged list (findPages.ts: a few pages in memory, read by keyset as the cursor reaches them), the marks, the
 * exclusion's description and the flash. The hook also reads the pages the list shows, turns marks into event
 * keys, and plans the update or the exclusion of what is marked.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { StageConfig } from '../data/config.js';
import { thousands as n } from '../data/counts.js';
import type { EffectiveEvent, EventKey } from '../data/model.js';
import type { SelectionInput } from '../data/operations/makePlan.js';
import type { Plan } from '../data/plan.js';
import { parseCondition } from '../data/selection.js';
import type { Service } from '../data/service/service.js';
import { describeError } from '../data/errors.js';
import type { Flash } from '../components/Frame.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';
import { emptyPages, PAGE_SIZE, pagesOfRows, pagesToRead, reachableRows, rowAt, withPage, type PageCache } from './findPages.js';
import { boundProblem, conditionProblem, findSelection, lookbackReaching, markedSelection, MAX_NAMED, windowProblem } from './findQuery.js';
import type { Route } from './navigation.js';
import { useTask } from './useTask.js';

/** The form's fields in tab order; `conditions` (the list of those added) is skipped while there are none. */
export const FIELDS = ['where', 'conditions', 'from', 'until'] as const;
export type FormField = (typeof FIELDS)[number];

export type FindState = {
  /** The form, the list of matches, or the exclusion's description asked on top of the list. */
  phase: 'form' | 'list' | 'describe';
  where: string;
  from: string;
  until: string;
  /** Conditions as typed, each one `--where` accepts. */
  conditions: readonly string[];
  field: FormField;
  /** The condition chosen in the conditions field. */
  picked: number;
  /** The one message about what was typed (a condition or a bound the parser refused). */
  formError: string | null;
  /** The search the list shows; its generation tells a late page of an earlier search from one of this. */
  search: { input: SelectionInput; generation: number } | null;
  pages: PageCache;
  reading: ReadonlySet<number>;
  /** Whether the first page has arrived: until then there is no count and nothing to mark. */
  loaded: boolean;
  readError: string | null;
  list: ListState;
  /**
   * The row the keys asked for past the rows known so far (the next page's start not read yet), or null: the
   * cursor goes on to it as pages arrive, so keys typed ahead past a page are not lost to the clamp.
   */
  wanted: number | null;
  /** `a`: every match is marked, as the set the conditions select (not a list of rows). */
  all: boolean;
  description: string;
  /** The one-line message over the footer (a warning about a key), until the next key. */
  flash: Flash;
};

export type FindAction =
  | { type: 'edit'; field: 'where' | 'from' | 'until' | 'description'; value: string }
  | { type: 'tab'; direction: 1 | -1 }
  | { type: 'focus'; field: FormField }
  | { type: 'addCondition'; text: string }
  | { type: 'pick'; delta: number }
  | { type: 'removeCondition' }
  | { type: 'reviseCondition' }
  | { type: 'formError'; message: string | null }
  /** enter in the where field: adds what is typed as a condition, or searches when nothing is. */
  | { type: 'submitWhere'; text: string }
  /** enter in a bound: searches, unless a bound is not a time or the window runs backwards (that field gets the focus). */
  | { type: 'submitSearch' }
  | { type: 'search'; input: SelectionInput }
  /** r: the same search again. */
  | { type: 'searchAgain' }
  | { type: 'reading'; page: number }
  | { type: 'page'; generation: number; page: number; events: readonly EffectiveEvent[]; total: number }
  | { type: 'readFailed'; generation: number; page: number; message: string }
  | { type: 'list'; action: ListAction }
  | { type: 'all' }
  /** space or v: a row, or the start or end of a range, unless every match is marked already. */
  | { type: 'mark'; how: 'toggle' | 'range' }
  | { type: 'phase'; phase: FindState['phase'] }
  /** esc: the description back to the list; the conditions back to the list searched before. */
  | { type: 'back' }
  | { type: 'flash'; flash: Flash };

export const initialFind = (height: number): FindState => ({
  phase: 'form',
  where: '',
  from: '',
  until: '',
  conditions: [],
  field: 'where',
  picked: 0,
  formError: null,
  search: null,
  pages: emptyPages(),
  reading: new Set(),
  loaded: false,
  readError: null,
  list: initialList(0, height),
  wanted: null,
  all: false,
  description: '',
  flash: null,
});

const warn = (text: string): Flash => ({ text, tone: 'warn' });

/** Whether esc is the screen's to handle (closing the description, or the form over a list) rather than leaving it. */
export const stepsBack = (state: FindState) => state.phase === 'describe' || (state.phase === 'form' && state.search !== null);

function searched(state: FindState, input: SelectionInput): FindState {
  return {
    ...state,
    phase: 'list',
    search: { input, generation: (state.search?.generation ?? 0) + 1 },
    pages: emptyPages(),
    reading: new Set(),
    loaded: false,
    readError: null,
    list: initialList(0, state.list.height),
    wanted: null,
    all: false,
    formError: null,
  };
}

/** The cursor moved as far toward `wanted` as the rows known allow; `wanted` kept while more rows are to come. */
function owedMove(state: FindState): FindState {
  if (state.wanted === null) return state;
  const { list, pages } = state;
  const row = Math.min(state.wanted, Math.max(0, list.count - 1));
  const moved = list.count ? listReducer(list, { type: 'move', delta: row - list.cursor }) : list;
  const owed = state.wanted > row && pages.total > list.count;
  return { ...state, list: moved, wanted: owed ? Math.min(state.wanted, pages.total - 1) : null };
}

function submitSearch(state: FindState): FindState {
  for (const field of ['from', 'until'] as const) {
    const problem = boundProblem(state[field], field);
    if (problem) return { ...state, formError: problem, field };
  }
  const backwards = windowProblem(state.from, state.until);
  if (backwards) return { ...state, formError: backwards, field: 'until' };
  return searched({ ...state, flash: null }, findSelection(state));
}

const without = (set: ReadonlySet<number>, n: number) => {
  const next = new Set(set);
  next.delete(n);
  return next;
};

export function findReducer(state: FindState, action: FindAction): FindState {
  switch (action.type) {
    case 'edit':
      return { ...state, [action.field]: action.value, formError: action.field === 'description' ? state.formError : null };
    case 'tab': {
      const fields = FIELDS.filter((f) => f !== 'conditions' || state.conditions.length > 0);
      const at = fields.indexOf(state.field);
      return { ...state, field: fields[(at + action.direction + fields.length) % fields.length]! };
    }
    case 'focus':
      return { ...state, field: action.field === 'conditions' && !state.conditions.length ? 'where' : action.field };
    case 'addCondition':
      return { ...state, conditions: [...state.conditions, action.text.trim()], where: '', formError: null };
    case 'pick':
      return { ...state, picked: Math.max(0, Math.min(state.conditions.length - 1, state.picked + action.delta)) };
    case 'removeCondition': {
      const conditions = state.conditions.filter((_, i) => i !== state.picked);
      return { ...state, conditions, picked: Math.min(state.picked, Math.max(0, conditions.length - 1)), field: conditions.length ? state.field : 'where' };
    }
    case 'reviseCondition': {
      // Taken back into the where field to be edited, and added again with enter.
      const text = state.conditions[state.picked];
      if (text === undefined) return state;
      return { ...state, where: text, conditions: state.conditions.filter((_, i) => i !== state.picked), picked: 0, field: 'where' };
    }
    case 'formError':
      return { ...state, formError: action.message };
    case 'submitWhere': {
      if (!action.text.trim()) return submitSearch(state);
      const problem = conditionProblem(action.text);
      return problem ? { ...state, formError: problem } : findReducer(state, { type: 'addCondition', text: action.text });
    }
    case 'submitSearch':
      return submitSearch(state);
    case 'search':
      return searched(state, action.input);
    case 'searchAgain':
      return state.search ? searched(state, state.search.input) : state;
    case 'reading':
      return { ...state, reading: new Set(state.reading).add(action.page) };
    case 'page': {
      if (action.generation !== state.search?.generation) return state;
      const pages = withPage(state.pages, action.page, action.events, action.total, state.list.cursor);
      // The list grows as pages reveal where the next one starts; a smaller total (rows gone meanwhile) clamps the cursor.
      const list = listReducer({ ...state.list, count: reachableRows(pages) }, { type: 'resize', height: state.list.height });
      return { ...owedMove({ ...state, pages, list }), loaded: true, reading: without(state.reading, action.page), readError: null };
    }
    case 'readFailed':
      if (action.generation !== state.search?.generation) return state;
      return { ...state, reading: without(state.reading, action.page), readError: action.message, loaded: state.loaded };
    case 'list': {
      const a = action.action;
      const from = state.wanted ?? state.list.cursor;
      const target =
        a.type === 'move' ? from + a.delta : a.type === 'page' ? from + a.direction * state.list.height : a.type === 'last' ? state.pages.total - 1 : null;
      if (target === null) return { ...state, list: listReducer(state.list, a), wanted: null };
      return owedMove({ ...state, wanted: Math.max(0, target) });
    }
    case 'all':
      return { ...state, all: !state.all, list: { ...state.list, marked: new Set(), anchor: null } };
    case 'mark':
      if (state.all) return { ...state, flash: warn('every match is marked; a unmarks them, then mark rows one by one') };
      return { ...state, list: listReducer(state.list, { type: action.how }) };
    case 'phase':
      return { ...state, phase: action.phase, formError: null };
    case 'back':
      return stepsBack(state) ? { ...state, phase: 'list', formError: null, flash: null } : { ...state, flash: null };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

/** The paths the searched conditions name in event_data: the list shows the values there. */
export function dataPaths(search: FindState['search']): string[] {
  const where = search?.input.where ?? [];
  return [
    ...new Set(
      where.flatMap((w) => {
        const c = typeof w === 'string' ? parseCondition(w) : w;
        return c.on === 'data' ? [c.path] : [];
      }),
    ),
  ];
}

/** The conditions the list was searched with (the form may have been changed since, and not searched yet). */
export const searchedConditions = (state: FindState): string[] => (state.search?.input.where ?? []).map(String);

export function conditionsText(state: FindState): string {
  const conditions = searchedConditions(state);
  return conditions.length ? conditions.join(' · ') : 'no condition: every event of the window';
}

export function windowText(state: FindState, lookbackDays: number): string {
  const { from, until } = state.search?.input ?? {};
  return `created ${from ? `from ${from}` : `in the last ${lookbackDays} days`}${until ? ` until ${until}` : ''}`;
}

/** Marked rows (or none), how many events the actions would take, and whether that is every match. */
export function chosen(state: FindState): { every: boolean; count: number } {
  const every = state.all || state.list.marked.size === 0;
  return { every, count: every ? state.pages.total : state.list.marked.size };
}

/**
 * `initialHeight`: the list's rows at first; the screen resizes it as the flash and the description field come
 * and go. `lookbackDays`: the window when no start is given, for what an update says it takes.
 */
export function useFindEventsState(service: Service, stageConfig: StageConfig, initialHeight: number, lookbackDays: number) {
  const stage = stageConfig.name;
  const [state, dispatch] = useReducer(findReducer, initialHeight, initialFind);

  const read = useCallback(
    (input: SelectionInput, after: EventKey | undefined, limit: number) => service.call('findEvents', { stage, selection: input, after, limit }),
    [service, stage],
  );

  // The pages the list shows (and the one under the cursor), read one at a time as they come into view.
  const { search, pages, list, reading, readError } = state;
  useEffect(() => {
    if (!search || reading.size || readError) return;
    const [page] = state.loaded ? pagesToRead(pages, Math.min(list.top, list.cursor), list.height, reading) : [0];
    if (page === undefined) return;
    dispatch({ type: 'reading', page });
    read(search.input, pages.starts[page], PAGE_SIZE).then(
      (found) => dispatch({ type: 'page', generation: search.generation, page, events: found.events, total: found.total }),
      (error: unknown) => dispatch({ type: 'readFailed', generation: search.generation, page, message: describeError(error) }),
    );
  }, [search, pages, list.top, list.cursor, list.height, reading, readError, state.loaded, read]);

  // The latest state for async work started by a key (the marks as they are when the plan is asked for).
  const latest = useRef(state);
  latest.current = state;

  /** The keys of the marked rows, in list order; pages dropped from memory are read again (their starts are kept). */
  const markedKeys = useCallback(async (): Promise<EventKey[]> => {
    const s = latest.current;
    if (!s.search) return [];
    const rows = [...s.list.marked].sort((a, b) => a - b);
    const byPage = new Map<number, readonly EffectiveEvent[]>();
    for (const page of pagesOfRows(rows)) {
      const held = s.pages.pages.get(page);
      byPage.set(page, held ?? (await read(s.search.input, s.pages.starts[page], PAGE_SIZE)).events);
    }
    return rows.flatMap((row) => {
      const e = byPage.get(Math.floor(row / PAGE_SIZE))?.[row % PAGE_SIZE];
      return e ? [{ event_id: e.event_id, event_created_at: e.event_created_at }] : [];
    });
  }, [read]);

  /** The event_ids of every match, read in pages of a thousand (the caller has checked how many there are). */
  const everyId = useCallback(async (): Promise<string[]> => {
    const s = latest.current;
    if (!s.search) return [];
    const ids: string[] = [];
    let after: EventKey | undefined;
    for (;;) {
      const { events } = await read(s.search.input, after, 1000);
      ids.push(...events.map((e) => e.event_id));
      const last = events[events.length - 1];
      if (events.length < 1000 || !last) return ids;
      after = { event_id: last.event_id, event_created_at: last.event_created_at };
    }
  }, [read]);

  const cursorEvent = rowAt(state.pages, state.list.cursor);
  const flash = (text: string) => dispatch({ type: 'flash', flash: warn(text) });

  /** Where `u` goes: the update form for every match of the conditions, or for the marked events by key. */
  const updateRoute = async (): Promise<Route | undefined> => {
    const { every, count } = chosen(state);
    const what = conditionsText(state);
    if (every) {
      if (!searchedConditions(state).length) return void flash('no condition narrows the matches: add one (c), or mark the events to update');
      return {
        name: 'updateSelection',
        stage,
        selection: state.search!.input,
        what: `every match (${n(count)} now) of ${what}; ${windowText(state, lookbackDays)}`,
        example: cursorEvent?.event_data,
      };
    }
    if (count > MAX_NAMED)
      return void flash(
        `${n(count)} events marked; at most ${n(MAX_NAMED)} go into a plan by key. Unmark them (a) to update every match of the conditions as one set`,
      );
    const keys = await markedKeys();
    const first = keys[0] && rowAt(state.pages, [...state.list.marked].sort((a, b) => a - b)[0]!);
    return {
      name: 'updateSelection',
      stage,
      selection: markedSelection(keys, searchedConditions(state)),
      what: `${n(keys.length)} marked event(s), still matching ${what}`,
      example: (first ?? cursorEvent)?.event_data,
    };
  };

  /** The exclusion plan of the marked events (every match with none marked), or undefined with a flash saying why not. */
  const excludePlan = async (description: string): Promise<Plan | undefined> => {
    const { every, count } = chosen(state);
    if (count > MAX_NAMED)
      return void flash(`${n(count)} events: an exclusion names its event_ids, at most ${n(MAX_NAMED)} at a time; narrow the conditions or the window`);
    const ids = every ? await everyId() : (await markedKeys()).map((k) => k.event_id);
    if (!ids.length) return void flash('nothing to exclude: no event matches');
    const plan = await service.call('makePlan', {
      op: 'exclude',
      stage,
      eventIds: ids,
      description,
      lookbackDays: lookbackReaching(state.search?.input.from ?? ''),
    });
    dispatch({ type: 'phase', phase: 'list' });
    return plan;
  };

  // Planning: set from an action's key until its plan (or its keys) are ready, so a second key meanwhile does not start it twice.
  const working = useRef(false);
  const planTask = useTask(useCallback(async (work: () => Promise<void>) => work(), []));
  const plan = async (work: () => Promise<void>) => {
    if (working.current) return;
    working.current = true;
    try {
      await planTask.run(work);
    } finally {
      working.current = false;
    }
  };

  return { state, dispatch, cursorEvent, planning: planTask.task, resetPlanning: planTask.reset, plan, updateRoute, excludePlan };
}
