/**
 * Stage tables: every configured stage table with its event name, events in
 * the lookback window and unresolved event_id duplicate groups. Counts load in
 * the background, one table at a time, and appear as they arrive.
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useReducer, useState } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import type { StageSummary } from '../data/engine.js';
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

type Loaded = { status: 'loading' } | { status: 'done'; summary: StageSummary } | { status: 'failed'; message: string };

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
  const listHeight = Math.max(1, height - 5);
  const [list, dispatch] = useReducer(listReducer, initialList(stages.length, listHeight));
  useEffect(() => dispatch({ type: 'reset', count: stages.length }), [stages.length]);
  useEffect(() => dispatch({ type: 'resize', height: listHeight }), [listHeight]);

  // Reload whenever the screen comes back into view: a plan may have just changed the counts.
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    (async () => {
      // One at a time: the embedded warehouse is a single file, and the first rows show sooner.
      for (const stage of config.stages) {
        if (cancelled) return;
        setLoaded((l) => ({ ...l, [stage.name]: { status: 'loading' } }));
        try {
          const summary = await service.call('stageSummary', { stage: stage.name });
          if (!cancelled) setLoaded((l) => ({ ...l, [stage.name]: { status: 'done', summary } }));
        } catch (error) {
          if (!cancelled) setLoaded((l) => ({ ...l, [stage.name]: { status: 'failed', message: describeError(error) } }));
        }
      }
    })();
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
      <Text color={tone('muted')}>{'  ' + 'stage table'.padEnd(nameWidth) + 'event name'.padEnd(24) + 'events'.padStart(8) + '  duplicates'}</Text>
      <Box flexDirection="column">
        <WindowedList
          items={stages}
          state={list}
          empty={`No stage table matches "${filter}".`}
          render={(stage) => {
            const state = loaded[stage.name];
            const counts =
              state?.status === 'done'
                ? String(state.summary.events).padStart(8) + '  ' + String(state.summary.duplicateGroups).padStart(10)
                : state?.status === 'failed'
                  ? '  failed: ' + state.message
                  : '       …           …';
            return stage.name.padEnd(nameWidth) + stage.event_name.padEnd(24) + counts;
          }}
        />
      </Box>
    </Frame>
  );
}
