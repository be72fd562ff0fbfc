/**
 * Find events by what they contain: conditions on event_data paths and on columns, as `--where` takes them,
 * in a created-at window (the lookback unless given). The matches are a paged, windowed list with their count;
 * `space`, `v` and `a` mark them as on the duplicates list, and then `u` updates them, `x` excludes them, or
 * enter looks up the one under the cursor. With nothing marked, `u` and `x` take every match.
 */
import { count as countOf } from '../components/unsavedWork.js';
import { Box, Text } from 'ink';
import { useEffect, useMemo, type ReactNode } from 'react';
import { thousands as n } from '../data/counts.js';
import { valueAtPath } from '../data/json/edit.js';
import { parseJson, stringifyJson } from '../data/json/value.js';
import type { EffectiveEvent } from '../data/model.js';
import { formBindings, isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { flashLines, Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { rangeNote } from '../components/listState.js';
import { PICK_LIST_KEYS, PickList } from '../components/PickList.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { WindowedList } from '../components/WindowedList.js';
import { rowAt } from './findPages.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { chosen, conditionsText, dataPaths, stepsBack, useFindEventsState, windowText } from './useFindEventsState.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'toggle' | 'all' | 'range' | 'lookup' | 'update' | 'exclude' | 'conditions' | 'reload';

const LIST_KEYS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: [' '], help: 'mark', action: 'toggle', footer: 1 },
  { keys: ['a'], help: 'mark every match / none', action: 'all', footer: 4 },
  { keys: ['v'], help: 'start or end a range', action: 'range', footer: 4 },
  { keys: ['u'], help: 'update', action: 'update', footer: 1 },
  { keys: ['x'], help: 'exclude', action: 'exclude', footer: 1 },
  { keys: ['enter'], help: 'look up', action: 'lookup', footer: 2 },
  { keys: ['c'], help: 'change the conditions', action: 'conditions', footer: 3 },
  { keys: ['r'], help: 'search again', action: 'reload' },
];

const EXAMPLES = ['$.Status="Pending"', '$.amount>100', '$.Status in ["A","B"]', '$.note is missing', 'user_id=u-42', 'event_ingested_at>=2026-11-01'];

/** Keys that act on the matches: they wait for the first page; those that take events also need a match. */
const ON_MATCHES = new Set<Action>(['toggle', 'range', 'all', 'lookup', 'update', 'exclude']);
const ON_SOME_MATCH = new Set<Action>(['lookup', 'update', 'exclude']);

/** The values a row shows: those at the paths the conditions name (what was searched for), else the document. */
function rowValues(e: EffectiveEvent, paths: readonly string[]): string {
  try {
    const doc = parseJson(e.event_data);
    if (!paths.length) return stringifyJson(doc);
    return paths
      .map((p) => {
        const v = valueAtPath(doc, p);
        return v === undefined ? '(missing)' : stringifyJson(v);
      })
      .join(' ');
  } catch {
    return e.event_data;
  }
}

/**
 * The list's rows as WindowedList reads them (a length, and the slice it shows): row numbers, never an array
 * of every match. Each row is drawn from the page that holds it, or as … while that page is read.
 */
function rowIndexes(count: number): readonly number[] {
  const slice = (from = 0, to = count) => Array.from({ length: Math.max(0, Math.min(to, count) - from) }, (_, i) => from + i);
  return { length: count, slice } as unknown as readonly number[];
}

export function FindEventsScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const config = services.service.config;
  const stage = stageOf(services, route.stage);
  const { state, dispatch, cursorEvent, planning, resetPlanning, plan, updateRoute, excludePlan } = useFindEventsState(
    services.service,
    stage,
    Math.max(1, height - 5),
    config.lookback_days,
  );
  const { list, pages } = state;
  const paths = useMemo(() => dataPaths(state.search), [state.search]);
  // `*` marks an event whose version is an exception row (a fix written before, rerun or not): said where it shows.
  let shownException = false;
  for (let i = list.top; i < Math.min(list.count, list.top + list.height); i++) if (rowAt(pages, i)?.source === 'exception') shownException = true;
  const summary = `${shownException ? '* from an exception row · ' : ''}${conditionsText(state)}; ${windowText(state, config.lookback_days)}`;
  const { every, count } = chosen(state);

  const inForm = state.phase === 'form';
  const describing = state.phase === 'describe';
  const listKeys = state.phase === 'list';
  const formKeys = describing
    ? formBindings({ enter: 'plan the exclusion' })
    : state.field === 'conditions'
      ? PICK_LIST_KEYS
      : formBindings({ enter: state.field === 'where' ? (state.where.trim() ? 'add the condition' : 'search') : 'search', fields: true });
  const marked = state.all ? pages.total : list.marked.size;

  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    conditions: () => dispatch({ type: 'phase', phase: 'form' }),
    reload: () => dispatch({ type: 'searchAgain' }),
    toggle: () => dispatch({ type: 'mark', how: 'toggle' }),
    range: () => dispatch({ type: 'mark', how: 'range' }),
    all: () => dispatch({ type: 'all' }),
    lookup: () =>
      cursorEvent && nav.push({ name: 'lookup', stage: stage.name, event: { event_id: cursorEvent.event_id, event_created_at: cursorEvent.event_created_at } }),
    update: () =>
      plan(async () => {
        const next = await updateRoute();
        if (next) nav.push(next);
      }),
    exclude: () => dispatch({ type: 'phase', phase: 'describe' }),
  };
  const { helpOpen, bindings } = useScreen({
    bindings: LIST_KEYS,
    // Marked events are work: esc from the list and q ask first (`discard 2 marked events? y/N`).
    unsaved: !inForm && !describing && marked ? countOf(marked, 'marked event') : null,
    active: active && planning.status !== 'running',
    nav,
    keysEnabled: listKeys,
    formKeys,
    // Keys typed while the matches are read wait for them (`⏎` then `a x…` marks and excludes what loads); so
    // does every key while the row under the cursor is being read, or moves typed past the rows known are owed.
    busy: listKeys && (!state.loaded || (list.count > 0 && !cursorEvent) || state.wanted !== null) && !state.readError,
    // Marks are work: leaving the list asks first (the `unsaved` question, as every screen's).
    onBack: () => {
      dispatch({ type: 'back' });
      return stepsBack(state);
    },
    onAction: (action) => {
      dispatch({ type: 'flash', flash: null });
      // A failed plan's message stays until the next key.
      if (planning.status === 'failed') resetPlanning();
      if (isListMove(action)) return dispatch({ type: 'list', action: listMove(action) });
      if (ON_MATCHES.has(action) && !state.loaded) return;
      if (ON_SOME_MATCH.has(action) && !pages.total)
        return dispatch({ type: 'flash', flash: { text: 'no event matches: c changes the conditions', tone: 'warn' } });
      void actions[action]();
    },
  });
  const onTab = (direction: 1 | -1) => dispatch({ type: 'tab', direction });

  const title = `${stage.name} · find events`;
  let body: ReactNode;
  if (inForm) {
    body = (
      <Box flexDirection="column">
        <Text color={tone('muted')} wrap="truncate-end">
          Find {stage.event_name} events: conditions as --where takes them.
        </Text>
        <TextField
          label="where"
          value={state.where}
          onChange={(value) => dispatch({ type: 'edit', field: 'where', value })}
          focus={active && state.field === 'where'}
          onTab={onTab}
          onSubmit={(text) => dispatch({ type: 'submitWhere', text })}
          placeholder='e.g. $.Status="Pending"'
          hint={
            state.where.trim()
              ? 'enter adds the condition'
              : state.conditions.length
                ? 'enter searches; or type another condition'
                : 'enter with nothing typed lists every event of the window'
          }
        />
        {state.conditions.length ? (
          <PickList
            label="conditions (all must hold)"
            items={state.conditions}
            picked={state.picked}
            focus={active && state.field === 'conditions'}
            onMove={(delta) => dispatch({ type: 'pick', delta })}
            onRemove={() => dispatch({ type: 'removeCondition' })}
            onEdit={() => dispatch({ type: 'reviseCondition' })}
            onTab={onTab}
          />
        ) : null}
        <TextField
          label="created from"
          value={state.from}
          onChange={(value) => dispatch({ type: 'edit', field: 'from', value })}
          focus={active && state.field === 'from'}
          freeText={false}
          onTab={onTab}
          onSubmit={() => dispatch({ type: 'submitSearch' })}
          placeholder={`last ${config.lookback_days} days, the lookback`}
          hint="YYYY-MM-DD [HH:MM:SS[.ffffff]] UTC; enter searches"
        />
        <TextField
          label="created until"
          value={state.until}
          onChange={(value) => dispatch({ type: 'edit', field: 'until', value })}
          focus={active && state.field === 'until'}
          freeText={false}
          onTab={onTab}
          onSubmit={() => dispatch({ type: 'submitSearch' })}
          placeholder="no end"
          hint="before this time (exclusive); enter searches"
        />
        <Text> </Text>
        <Text color={tone('muted')} wrap="wrap">
          Conditions: {EXAMPLES.join('  ')}. Operators = != &lt; &lt;= &gt; &gt;= in, is missing, exists, is null.
        </Text>
      </Box>
    );
  } else if (!state.loaded && state.readError) {
    body = <ErrorPanel title="Could not find the events" message={state.readError} hint="r searches again; c changes the conditions; esc goes back" />;
  } else if (!state.loaded) {
    body = <ProgressLine label="finding the events" startedAt={Date.now()} />;
  } else {
    const label = paths.length ? paths.join(' ') : 'event_data';
    body = (
      <Box flexDirection="column">
        <Text color={tone('muted')} wrap="truncate-end">
          {`      ${'created_at'.padEnd(20)}${'event_id'.padEnd(39)}${label}`}
        </Text>
        <WindowedList
          items={rowIndexes(list.count)}
          state={list}
          markable={!state.all}
          empty={`No ${stage.event_name} event matches.`}
          render={(_, i) => {
            const e = rowAt(pages, i);
            const mark = state.all ? '[x] ' : '';
            if (!e) return `${mark}…`;
            return `${mark}${e.event_created_at.slice(0, 19)} ${e.event_id} ${e.source === 'exception' ? '*' : ' '} ${rowValues(e, paths)}`;
          }}
        />
        <Text color={tone('muted')} wrap="truncate-end">
          {summary}
        </Text>
        {describing ? (
          <TextField
            label="exclusion_description"
            value={state.description}
            onChange={(value) => dispatch({ type: 'edit', field: 'description', value })}
            focus={active && planning.status !== 'running'}
            required
            onSubmit={(text) =>
              void plan(async () => {
                const made = await excludePlan(text);
                if (made) nav.push({ name: 'confirm', plan: made });
              })
            }
            placeholder={`why are ${every ? 'these' : 'the marked'} ${n(count)} excluded?`}
          />
        ) : null}
      </Box>
    );
  }
  const range = rangeNote(list);
  const status = inForm
    ? `${state.conditions.length} condition(s)`
    : planning.status === 'running'
      ? 'planning…'
      : !state.loaded
        ? 'finding…'
        : `${state.all ? 'all' : n(list.marked.size)} marked · ${list.count ? n(list.cursor + 1) : 0}/${n(pages.total)}${range ? ` · ${range}` : ''}`;
  const formError: Flash = state.formError ? { text: state.formError, tone: 'danger' } : null;
  const readError: Flash = state.loaded && state.readError ? { text: `${state.readError} (r searches again)`, tone: 'danger' } : null;
  const failure: Flash = planning.status === 'failed' ? { text: planning.message, tone: 'danger' } : null;
  const shownFlash = formError ?? state.flash ?? failure ?? readError;
  // The list takes what the title, its header, the line under it, the flash, the description field and the footer leave.
  const listHeight = Math.max(1, height - 4 - flashLines(shownFlash, width, height).length - (describing ? 2 : 0));
  useEffect(() => dispatch({ type: 'list', action: { type: 'resize', height: listHeight } }), [listHeight, dispatch]);
  return (
    <Frame title={title} status={status} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={shownFlash}>
      {body}
    </Frame>
  );
}
