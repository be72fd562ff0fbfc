/**
 * Stage tables: every configured stage table with the events it shows in the lookback window, event_id
 * duplicate groups unresolved in the sources and those the stage table itself still holds, and whether it
 * needs a rerun to show plans already applied. Counts load in the background, one table at a time, and
 * appear as they arrive; the line under the list says what the row under the cursor means.
 */
import { Box, Text } from 'ink';
import type { StageConfig } from '../data/config.js';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { formBindings } from '../components/bindings.js';
import { Frame, flashLines, useShownFlash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { WindowedList } from '../components/WindowedList.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { counting, useStageTablesState, type StageCounts } from './useStageTablesState.js';

type Action = ListMove | 'open' | 'filter' | 'history' | 'reload';

export const STAGE_TABLES_BINDINGS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: ['enter'], help: 'actions', action: 'open', footer: 1 },
  { keys: ['/'], help: 'filter', action: 'filter', footer: 1 },
  { keys: ['h'], help: 'history', action: 'history', footer: 2 },
  { keys: ['r'], help: 'reload counts', action: 'reload' },
];

/** Column widths after the name: events, duplicates in the sources, duplicates in the stage table. */
const COLUMNS = { events: 8, sources: 8, stage: 9 };

/** The line under the list: the row under the cursor in words, with the command a pending rerun needs. */
function describeRow(stage: StageConfig, state: StageCounts | undefined): string {
  if (state?.status !== 'done') return stage.event_name;
  const { summary, pending } = state;
  const held =
    summary.stageDuplicateGroups === null ? 'the stage table is not built yet' : `${summary.stageDuplicateGroups} duplicate group(s) in the stage table`;
  const rerun = pending ? `; ${pending.plans.length} applied plan(s) not in the stage yet: rerun from ${pending.since.slice(0, 10)} (enter, then rerun)` : '';
  return `${stage.event_name}: ${summary.duplicateGroups} unresolved in the sources, ${held}${rerun}`;
}

export function StageTablesScreen({ active, width, height, nav, services }: ScreenProps) {
  const config = services.service.config;
  // Frame (title, flash, footer), the filter line, two header lines, three lines describing the row; and the
  // lines past the first of the app's notice (two on a first start, "created the demo warehouse…") until a key.
  const noticeRows = flashLines(useShownFlash(null), width, height).length - 1;
  const listHeight = Math.max(1, height - 9 - noticeRows);
  const { state, dispatch, stages } = useStageTablesState(services.service, active, listHeight);
  const { filter, filtering, counts: loaded, list } = state;

  const current: StageConfig | undefined = stages[list.cursor];
  const currentState = current ? loaded[current.name] : undefined;
  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    open: () => current && nav.push({ name: 'actions', stage: current.name }),
    filter: () => dispatch({ type: 'openFilter' }),
    history: () => nav.push({ name: 'history' }),
    reload: () => dispatch({ type: 'reload' }),
  };
  const { helpOpen, bindings } = useScreen({
    bindings: STAGE_TABLES_BINDINGS,
    active,
    nav,
    keysEnabled: !filtering,
    formKeys: formBindings({ enter: 'keep the filter' }),
    onBack: () => {
      dispatch({ type: 'back' });
      return true; // the first screen has nowhere to go back to
    },
    onAction: (action) => (isListMove(action) ? dispatch({ type: 'list', action: listMove(action) }) : void actions[action]()),
  });

  // Counting stops when the screen is hidden (it restarts on return): a hidden screen shows no spinner, which
  // would otherwise turn (and make Ink render) for as long as the operator stays on another screen.
  const loading = active && counting(config.stages, loaded);
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
      {/* The filter line and the column headings keep their rows: the list gives way, never they. */}
      <Box flexDirection="column" flexShrink={0}>
        {filtering ? (
          <TextField
            label="filter"
            value={filter}
            onChange={(text) => dispatch({ type: 'typeFilter', text })}
            onSubmit={() => dispatch({ type: 'keepFilter' })}
            focus={active}
            hint="enter keeps the filter; esc in the list clears it"
          />
        ) : (
          <Text color={tone('muted')}>{filter ? `filter: ${filter}` : ' '}</Text>
        )}
        <Text color={tone('muted')}>{`  ${''.padEnd(nameWidth + COLUMNS.events)}${'duplicate groups'.padStart(COLUMNS.sources + COLUMNS.stage)}`}</Text>
        <Text color={tone('muted')}>
          {`  ${'stage table'.padEnd(nameWidth)}${'events'.padStart(COLUMNS.events)}${'sources'.padStart(COLUMNS.sources)}${'in stage'.padStart(COLUMNS.stage)}  rerun needed`}
        </Text>
      </Box>
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
                  (state.pending
                    ? `${state.pending.plans.length} plan${state.pending.plans.length === 1 ? '' : 's'}, offset ${state.pending.current_date_offset}`
                    : 'no')
                : state?.status === 'failed'
                  ? `  failed: ${state.message}`
                  : '…'.padStart(COLUMNS.events) + '…'.padStart(COLUMNS.sources) + '…'.padStart(COLUMNS.stage);
            return stage.name.padEnd(nameWidth) + counts;
          }}
        />
      </Box>
      <Box height={3} flexShrink={0}>
        {current ? (
          <Text wrap="wrap" color={tone('muted')}>
            {describeRow(current, currentState)}
          </Text>
        ) : null}
      </Box>
    </Frame>
  );
}
