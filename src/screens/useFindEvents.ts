/**
 * The find-events screen's state as a reducer: the form (conditions, the created-at window), the matches as a
 * paged list (findPages.ts: a few pages in memory, read by keyset as the cursor reaches them), the marks, and
 * the exclusion's description. The hook also reads the pages the list shows and turns marks into event keys.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { EffectiveEvent, EventKey } from '../data/model.js';
import type { SelectionInput } from '../data/operations/makePlan.js';
import type { Service } from '../data/service/service.js';
import { describeError } from '../data/errors.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';
import { emptyPages, PAGE_SIZE, pagesOfRows, pagesToRead, reachableRows, rowAt, withPage, type PageCache } from './findPages.js';

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
  /** `a`: every match is marked, as the set the conditions select (not a list of rows). */
  all: boolean;
  description: string;
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
  | { type: 'search'; input: SelectionInput }
  | { type: 'reading'; page: number }
  | { type: 'page'; generation: number; page: number; events: readonly EffectiveEvent[]; total: number }
  | { type: 'readFailed'; generation: number; page: number; message: string }
  | { type: 'list'; action: ListAction }
  | { type: 'all' }
  | { type: 'phase'; phase: FindState['phase'] };

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
  all: false,
  description: '',
});

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
    case 'search':
      return {
        ...state,
        phase: 'list',
        search: { input: action.input, generation: (state.search?.generation ?? 0) + 1 },
        pages: emptyPages(),
        reading: new Set(),
        loaded: false,
        readError: null,
        list: initialList(0, state.list.height),
        all: false,
        formError: null,
      };
    case 'reading':
      return { ...state, reading: new Set(state.reading).add(action.page) };
    case 'page': {
      if (action.generation !== state.search?.generation) return state;
      const pages = withPage(state.pages, action.page, action.events, action.total, state.list.cursor);
      // The list grows as pages reveal where the next one starts; a smaller total (rows gone meanwhile) clamps the cursor.
      const list = listReducer({ ...state.list, count: reachableRows(pages) }, { type: 'resize', height: state.list.height });
      return { ...state, pages, list, loaded: true, reading: without(state.reading, action.page), readError: null };
    }
    case 'readFailed':
      if (action.generation !== state.search?.generation) return state;
      return { ...state, reading: without(state.reading, action.page), readError: action.message, loaded: state.loaded };
    case 'list':
      return { ...state, list: listReducer(state.list, action.action) };
    case 'all':
      return { ...state, all: !state.all, list: { ...state.list, marked: new Set(), anchor: null } };
    case 'phase':
      return { ...state, phase: action.phase, formError: null };
  }
}

/** Marked rows (or none), how many events the actions would take, and whether that is every match. */
export function chosen(state: FindState): { every: boolean; count: number } {
  const every = state.all || state.list.marked.size === 0;
  return { every, count: every ? state.pages.total : state.list.marked.size };
}

/** `initialHeight`: the list's rows at first; the screen resizes it as the flash and the description field come and go. */
export function useFindEvents(service: Service, stage: string, initialHeight: number) {
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
  return { state, dispatch, cursorEvent, markedKeys, everyId };
}
