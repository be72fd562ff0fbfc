/**
 * Stage tables: every configured stage table with the events it shows in the lookback window, event_id
 * duplicate groups unresolved in the sources and those the stage table itself still holds, and whether it
 * needs a rerun to show plans already applied. Counts load in the background, one table at a time, and
 * appear as they arrive; the line under the list says what the row under the cursor means.
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useReducer, useState } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import type { StageSummaryReply as StageSummary } from '../data/service/requests.js';
import type { PendingRerun } from '../data/operations/pending.js';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { formBindings } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { initialList, listReducer } from '../components/listState.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { WindowedList } from '../components/WindowedList.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'open' | 'filter' | 'history' | 'reload';

export const STAGE_TABLES_BINDINGS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: ['enter'], help: 'actions', action: 'open', footer: 1 },
  { keys: ['/'], help: 'filter', action: 'filter', footer: 1 },
  { keys: ['h'], help: 'history', action: 'history', footer: 2 },
  { keys: ['r'], help: 'reload counts', action: 'reload' },
];

type Loaded = { status: 'loading' } | { status: 'done'; summary: StageSummary; pending: PendingRerun | null } | { status: 'failed'; message: string };

/** Column widths after the name: events, duplicates in the sources, duplicates in the stage table. */
const COLUMNS = { events: 8, sources: 8, stage: 9 };

/** The line under the list: the row under the cursor in words, with the command a pending rerun needs. */
function describeRow(stage: StageConfig, state: Loaded | undefined): string {
  if (state?.status !== 'done') return stage.event_name;
  const { summary, pending } = state;
  const held =
    summary.stageDuplicateGroups === null
      ? 'the stage table is not built yet'
      : `${summary.stageDuplicateGroups} duplicate group(s) in the stage table`;
  const rerun = pending ? `; ${pending.plans.length} applied plan(s) not in the stage yet: rerun from ${pending.since.slice(0, 10)} (enter, then rerun)` : '';
  return `${stage.event_name}: ${summary.duplicateGroups} unresolved in the sources, ${held}${rerun}`;
}

export function StageTablesScreen({ active, width, height, nav, services }: ScreenProps) {
  const { service } = services;
  const config = service.config;
  const [filter, setFilter] = useState('');
  const [filtering, setFiltering] = useState(false);
  const [loaded, setLoaded] = useState<Record<string, Loaded>>({});
  const [generation, setGeneration] = useState(0);
  const stages = useMemo(
    () => config.stages.filter((s) => !filter || `${s.name} ${s.event_name}`.toLowerCase().includes(filter.toLowerCase())),
    [config.stages, filter],
  );
  // Frame (title, flash, footer), the filter line, two header lines, three lines describing the row.
  const listHeight = Math.max(1, height - 9);
  const [list, dispatch] = useReducer(listReducer, initialList(stages.length, listHeight));
  useEffect(() => dispatch({ type: 'reset', count: stages.length }), [stages.length]);
  useEffect(() => dispatch({ type: 'resize', height: listHeight }), [listHeight]);

  // Reload whenever the screen comes back into view: a plan may have just changed the counts.
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    // All stages at once: on the embedded warehouse their reads share one open file (it is opened and released
    // around each read otherwise, which cost more than the counting), on BigQuery they are jobs that run side by
    // side. Each row fills in as its counts arrive.
    for (const stage of config.stages) {
      setLoaded((l) => ({ ...l, [stage.name]: { status: 'loading' } }));
      void Promise.all([service.call('stageSummary', { stage: stage.name }), service.call('pendingReruns', { stage: stage.name })]).then(
        ([summary, [pending]]) => !cancelled && setLoaded((l) => ({ ...l, [stage.name]: { status: 'done', summary, pending: pending ?? null } })),
        (error: unknown) => !cancelled && setLoaded((l) => ({ ...l, [stage.name]: { status: 'failed', message: describeError(error) } })),
      );
    }
    return () => {
      cancelled = true;
    };
  }, [active, generation, service, config]);

  const current: StageConfig | undefined = stages[list.cursor];
  const currentState = current ? loaded[current.name] : undefined;
  const { helpOpen, bindings } = useScreen({
    bindings: STAGE_TABLES_BINDINGS,
    active,
    nav,
    keysEnabled: !filtering,
    formKeys: formBindings({ enter: 'keep the filter' }),
    onBack: () => {
      if (filtering) setFiltering(false);
      else setFilter('');
      return true; // the first screen has nowhere to go back to
    },
    onAction: (action) => {
      if (isListMove(action)) dispatch(listMove(action));
      else if (action === 'open' && current) nav.push({ name: 'actions', stage: current.name });
      else if (action === 'filter') setFiltering(true);
      else if (action === 'history') nav.push({ name: 'history' });
      else if (action === 'reload') setGeneration((g) => g + 1);
    },
  });

  // Counting stops when the screen is hidden (it restarts on return): a hidden screen shows no spinner, which
  // would otherwise turn (and make Ink render) for as long as the operator stays on another screen.
  const loading = active && config.stages.some((s) => loaded[s.name]?.status === 'loading' || !loaded[s.name]);
  const nameWidth = Math.min(34, Math.max(12, ...stages.map((s) => s.name.length)) + 1);
  const status = (
    <Text>
      {config.read_only ? <Text color={tone('warn')}>[read-only] </Text> : null}
      {config.environment === 'prod' ? <Text color={tone('danger')}>[prod] </Text> : null}
      {loading ? <Spinner label="counting" /> : <Text color={tone('muted')}>last {config.lookback_days} days</Text>}
    </Text>
  );
  return (
    <Frame
      title="evfix · stage tables"
      status={status}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      // The list row is cut to the screen; the whole failure is readable here.
      flash={currentState?.status === 'failed' ? { text: `${current!.name}: ${currentState.message} (r reloads)`, tone: 'danger' } : null}
    >
      {filtering ? (
        <TextField
          label="filter"
          value={filter}
          onChange={setFilter}
          onSubmit={() => setFiltering(false)}
          focus={active}
          hint="enter keeps the filter; esc in the list clears it"
        />
      ) : (
        <Text color={tone('muted')}>{filter ? `filter: ${filter}` : ' '}</Text>
      )}
      <Text color={tone('muted')}>{'  ' + ''.padEnd(nameWidth + COLUMNS.events) + 'duplicate groups'.padStart(COLUMNS.sources + COLUMNS.stage)}</Text>
      <Text color={tone('muted')}>
        {'  ' + 'stage table'.padEnd(nameWidth) + 'events'.padStart(COLUMNS.events) + 'sources'.padStart(COLUMNS.sources) + 'in stage'.padStart(COLUMNS.stage) + '  rerun needed'}
      </Text>
      <Box flexDirection="column" height={listHeight}>
        <WindowedList
          items={stages}
          state={list}
          empty={`No stage table matches "${filter}".`}
          render={(stage) => {
            const state = loaded[stage.name];
            const counts =
              state?.status === 'done'
                ? String(state.summary.events).padStart(COLUMNS.events) +
                  String(state.summary.duplicateGroups).padStart(COLUMNS.sources) +
                  (state.summary.stageDuplicateGroups === null ? 'not built' : String(state.summary.stageDuplicateGroups)).padStart(COLUMNS.stage) +
                  '  ' +
                  (state.pending ? `${state.pending.plans.length} plan${state.pending.plans.length === 1 ? '' : 's'}, offset ${state.pending.current_date_offset}` : 'no')
                : state?.status === 'failed'
                  ? '  failed: ' + state.message
                  : '…'.padStart(COLUMNS.events) + '…'.padStart(COLUMNS.sources) + '…'.padStart(COLUMNS.stage);
            return stage.name.padEnd(nameWidth) + counts;
          }}
        />
      </Box>
      <Box height={3} flexShrink={0}>
        {current ? <Text wrap="wrap" color={tone('muted')}>{describeRow(current, currentState)}</Text> : null}
      </Box>
    </Frame>
  );
}
