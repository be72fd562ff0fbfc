/**
 * Duplicates by event_id: a windowed list of groups to mark (space, `a`, `v`
 * range), a group view with the copies side by side to choose the one kept,
 * and `d` to plan the dedupe of the marked groups.
 */
import { Box, Text } from 'ink';
import { useMemo, type ReactNode } from 'react';
import { flattenJson } from '../data/json/diff.js';
import { parseJson } from '../data/json/value.js';
import { isListMove, LIST_BINDINGS, listMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { CopiesTable, copiesTableLines, type CopyColumn } from '../components/CopiesTable.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { rangeNote } from '../components/listState.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { tone } from '../components/theme.js';
import { wrapText } from '../components/wrapText.js';
import { useScroll } from '../components/scrollState.js';
import { WindowedList } from '../components/WindowedList.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { unsavedDuplicates, useDuplicatesState, type DuplicateGroup } from './useDuplicatesState.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'toggle' | 'all' | 'range' | 'open' | 'dedupe' | 'reload' | 'left' | 'right';

export const DUPLICATES_BINDINGS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: [' '], help: 'mark', action: 'toggle', footer: 1 },
  { keys: ['a'], help: 'mark all / none', action: 'all', footer: 3 },
  { keys: ['v'], help: 'start or end a range', action: 'range', footer: 3 },
  { keys: ['enter'], help: 'open', action: 'open', footer: 1 },
  { keys: ['d'], help: 'dedupe marked', action: 'dedupe', footer: 1 },
  { keys: ['r'], help: 'reload', action: 'reload' },
];

export const GROUP_BINDINGS: Binding<Action>[] = [
  ...scrollBindings({ footer: 1 }),
  { keys: ['h', 'left'], help: 'previous copy to keep', action: 'left', footer: 1, group: 'copy to keep' },
  { keys: ['l', 'right'], help: 'next copy to keep', action: 'right', footer: 1, group: 'copy to keep' },
  { keys: [' '], help: 'mark', action: 'toggle', footer: 1 },
  { keys: ['enter'], help: 'back', action: 'open', footer: 1 },
];

const short = (ts: string | null) => (ts ? ts.slice(5, 16) : '—'.padEnd(11));

function columnsOf(group: DuplicateGroup): { rows: string[]; columns: CopyColumn[] } {
  const rows: string[] = ['ingested', 'created', 'user_id'];
  const seen = new Set(rows);
  const columns = group.copies.map((copy, i) => {
    const values: Record<string, string> = { ingested: copy.event_ingested_at ?? '—', created: copy.event_created_at, user_id: copy.user_id ?? '—' };
    for (const [path, value] of flattenJson(parseJson(copy.event_data, 'event_data'))) {
      values[path] = value;
      if (seen.has(path)) continue;
      seen.add(path);
      rows.push(path);
    }
    return { heading: `copy ${i + 1}`, values };
  });
  return { rows, columns };
}

export function DuplicatesScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const stage = stageOf(services, route.stage);
  const {
    state,
    dispatch,
    groups,
    groupsTask: task,
    copies,
    openSummary,
    openGroup,
    planning,
    open,
    reload,
    plan,
    settled,
  } = useDuplicatesState(services.service, stage, Math.max(1, height - 6));
  const { list, keep } = state;
  const table = useMemo(() => (openGroup ? columnsOf(openGroup) : null), [openGroup]);

  // The group's heading, wrapped: many paths may differ, and none is cut.
  const heading = openGroup
    ? wrapText(
        `${openGroup.event_id} · ${openGroup.copies.length} copies · ${openGroup.identical ? 'identical' : `differ: ${openGroup.differences.join(', ')}`}`,
        width,
      )
    : [];
  // The copies table's height under that heading, and the lines it shows under its own (it scrolls only what does
  // not fit). Counted in lines, not rows: a long value wraps onto several lines, and the last can still be reached.
  const copiesHeight = Math.max(2, height - 3 - heading.length);
  const copiesLines = useMemo(() => (table ? copiesTableLines(table.rows, table.columns, width) : 0), [table, width]);
  const copiesScroll = useScroll({ lines: copiesLines, room: Math.max(1, copiesHeight - 1) });

  const keepStep = (step: 1 | -1) => openGroup && dispatch({ type: 'keep', eventId: openGroup.event_id, copies: openGroup.copies.length, step });
  const listActions: Record<Exclude<Action, ListMove | 'left' | 'right'>, () => unknown> = {
    toggle: () => dispatch({ type: 'list', action: { type: 'toggle' } }),
    all: () => dispatch({ type: 'list', action: { type: 'markAll' } }),
    range: () => dispatch({ type: 'list', action: { type: 'range' } }),
    open: () => open() && copiesScroll.reset(),
    dedupe: async () => {
      const made = await plan();
      if (made) nav.push({ name: 'confirm', plan: made });
    },
    reload,
  };
  // In a group: its copies scroll, h/l choose the one kept, space marks the group, enter goes back.
  const groupActions: Partial<Record<Action, () => unknown>> = {
    left: () => keepStep(-1),
    right: () => keepStep(1),
    toggle: listActions.toggle,
    open: () => dispatch({ type: 'close' }),
  };
  const { helpOpen, bindings } = useScreen({
    bindings: openSummary ? GROUP_BINDINGS : DUPLICATES_BINDINGS,
    active: active && planning.status !== 'running',
    nav,
    // Keys typed while the groups (or a group's copies) are read wait for them: `a` then `d` marks and plans what loads.
    busy: task.status === 'idle' || task.status === 'running' || !settled || (openSummary !== undefined && copies.status === 'running'),
    // Marks and chosen copies are work: esc and q ask before they are thrown away.
    unsaved: unsavedDuplicates(state),
    onBack: () => {
      if (state.open === null) return false;
      dispatch({ type: 'close' });
      return true;
    },
    onAction: (action) => {
      dispatch({ type: 'flash', flash: null });
      // A group whose copies are not read yet (or could not be) only closes.
      if (openSummary && !openGroup) return action === 'open' && dispatch({ type: 'close' });
      if (openSummary) return isListMove(action) ? copiesScroll.scroll(action) : void groupActions[action]?.();
      if (isListMove(action)) return dispatch({ type: 'list', action: listMove(action) });
      if (action !== 'left' && action !== 'right') void listActions[action]();
    },
  });

  const title = `${stage.name} · duplicates`;
  let body: ReactNode;
  if (task.status === 'running' || task.status === 'idle')
    body = <ProgressLine label="finding duplicates" startedAt={task.status === 'running' ? task.startedAt : Date.now()} />;
  else if (task.status === 'failed') body = <ErrorPanel title="Could not list duplicates" message={task.message} hint="r tries again; esc goes back" />;
  else if (openSummary && copies.status === 'failed') {
    body = <ErrorPanel title="Could not read the copies" message={copies.message} hint="enter or esc goes back" />;
  } else if (openSummary && !(openGroup && table)) {
    body = <ProgressLine label={`reading the copies of ${openSummary.event_id}`} startedAt={copies.status === 'running' ? copies.startedAt : Date.now()} />;
  } else if (openGroup && table) {
    body = (
      <Box flexDirection="column">
        {heading.map((line, i) => (
          <Text key={i}>{line}</Text>
        ))}
        <CopiesTable
          rows={table.rows}
          columns={table.columns}
          kept={keep.get(openGroup.event_id) ?? 0}
          width={width}
          offset={copiesScroll.top}
          height={copiesHeight}
        />
      </Box>
    );
  } else {
    const cursorGroup = groups[list.cursor];
    body = (
      <Box flexDirection="column">
        <Text color={tone('muted')} wrap="truncate-end">
          {`      ${'event_id'.padEnd(37)}${'n'.padStart(3)} ${'1st ingest'.padEnd(12)}${'last ingest'.padEnd(12)}same`}
        </Text>
        <WindowedList
          items={groups}
          state={list}
          markable
          empty="No unresolved duplicates in the lookback window."
          render={(g) => `${g.event_id} ${`${g.copies}x`.padStart(3)} ${short(g.firstIngested)} ${short(g.lastIngested)} ${g.identical ? '=' : '≠'}`}
        />
        <Text color={tone('muted')} wrap="truncate-end">
          {cursorGroup ? (cursorGroup.identical ? '= identical copies' : '≠ the copies differ; enter shows how') : ' '}
        </Text>
      </Box>
    );
  }
  const range = rangeNote(list);
  const status =
    planning.status === 'running' ? 'planning…' : `${range ? `${range} · ` : ''}${list.marked.size} marked · ${list.count ? list.cursor + 1 : 0}/${list.count}`;
  const failure: Flash = planning.status === 'failed' ? { text: planning.message, tone: 'danger' } : null;
  return (
    <Frame title={title} status={status} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={state.flash ?? failure}>
      {body}
    </Frame>
  );
}
