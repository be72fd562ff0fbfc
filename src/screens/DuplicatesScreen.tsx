/**
 * Duplicates by event_id: a windowed list of groups to mark (space, `a`, `v`
 * range), a group view with the copies side by side to choose the one kept,
 * and `d` to plan the dedupe of the marked groups.
 */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { flattenJson } from '../data/json/diff.js';
import { parseJson } from '../data/json/value.js';
import type { DuplicateGroup } from '../data/operations/duplicates.js';
import type { DuplicateSummary } from '../data/service/requests.js';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { CopiesTable, type CopyColumn } from '../components/CopiesTable.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { initialList, listReducer, rangeNote } from '../components/listState.js';
import { count, listed } from '../components/unsavedWork.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { tone } from '../components/theme.js';
import { WindowedList } from '../components/WindowedList.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

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
  { keys: ['j', 'down'], help: 'scroll down', action: 'down', footer: 1, group: 'scroll' },
  { keys: ['k', 'up'], help: 'scroll up', action: 'up', footer: 1, group: 'scroll' },
  { keys: ['h', 'left'], help: 'previous copy to keep', action: 'left', footer: 1, group: 'copy to keep' },
  { keys: ['l', 'right'], help: 'next copy to keep', action: 'right', footer: 1, group: 'copy to keep' },
  { keys: [' '], help: 'mark', action: 'toggle', footer: 1 },
  { keys: ['enter'], help: 'back', action: 'open', footer: 1 },
];

// One empty list for every render while loading: a fresh [] each time would re-run the reset effect forever.
const NO_GROUPS: DuplicateSummary[] = [];

const short = (ts: string | null) => (ts ? ts.slice(5, 16) : '—'.padEnd(11));

function columnsOf(group: DuplicateGroup): { rows: string[]; columns: CopyColumn[] } {
  const rows: string[] = ['ingested', 'created', 'user_id'];
  const seen = new Set(rows);
  const columns = group.copies.map((copy, i) => {
    const values: Record<string, string> = { ingested: copy.event_ingested_at ?? '—', created: copy.event_created_at, user_id: copy.user_id ?? '—' };
    for (const [path, value] of flattenJson(parseJson(copy.event_data, 'event_data'))) {
      values[path] = value;
      if (!seen.has(path)) seen.add(path), rows.push(path);
    }
    return { heading: `copy ${i + 1}`, values };
  });
  return { rows, columns };
}

export function DuplicatesScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const { service } = services;
  const stage = stageOf(services, route.stage);
  // The list holds one summary per group; copies are read for the group opened.
  const load = useCallback(() => service.call('duplicateGroups', { stage: stage.name }), [service, stage]);
  const { task, run } = useTask(load);
  const groupTask = useTask(useCallback(async (eventId: string) => (await service.call('groupCopies', { stage: stage.name, eventIds: [eventId] }))[0], [service, stage]));
  const planTask = useTask(
    useCallback(
      // Every group marked: the plan is every unresolved group of the window (the warehouse finds them again).
      (eventIds: string[] | undefined, keep: Map<string, number>) => service.call('makePlan', { op: 'dedupe', stage: stage.name, eventIds, choices: [...keep] }),
      [service, stage],
    ),
  );
  const groups = task.status === 'done' ? task.value : NO_GROUPS;
  const listHeight = Math.max(1, height - 6);
  const [list, dispatch] = useReducer(listReducer, initialList(0, listHeight));
  const [open, setOpen] = useState<number | null>(null);
  const [scroll, setScroll] = useState(0);
  const [keep, setKeep] = useState<Map<string, number>>(new Map());
  const [flash, setFlash] = useState<Flash>(null);

  useEffect(() => void run(), [run]);
  useEffect(() => dispatch({ type: 'reset', count: groups.length }), [groups]);

  useEffect(() => dispatch({ type: 'resize', height: listHeight }), [listHeight]);

  const openSummary = open !== null ? groups[open] : undefined;
  const openGroup: DuplicateGroup | undefined =
    openSummary && groupTask.task.status === 'done' && groupTask.task.value?.event_id === openSummary.event_id ? groupTask.task.value : undefined;
  const table = useMemo(() => (openGroup ? columnsOf(openGroup) : null), [openGroup]);

  // The copies table's height, and the rows it shows under its heading.
  const copiesHeight = height - 4;
  const copyRows = Math.max(1, copiesHeight - 1);

  // Set from the first `d` until its plan is made: the marked groups are put in order before planning starts,
  // and a second `d` meanwhile must not plan them twice.
  const planning = useRef(false);
  const planMarked = async () => {
    if (planning.current) return;
    planning.current = true;
    try {
      const all = list.marked.size > 0 && list.marked.size === groups.length;
      const chosen = all ? undefined : list.marked.size ? [...list.marked].sort((a, b) => a - b).map((i) => groups[i]!.event_id) : groups[list.cursor] ? [groups[list.cursor]!.event_id] : [];
      if (chosen && !chosen.length) return setFlash({ text: 'no group to dedupe', tone: 'warn' });
      const plan = await planTask.run(chosen, keep);
      if (plan) nav.push({ name: 'confirm', plan });
    } finally {
      planning.current = false;
    }
  };

  const { helpOpen, bindings } = useScreen({
    bindings: openSummary ? GROUP_BINDINGS : DUPLICATES_BINDINGS,
    active: active && planTask.task.status !== 'running',
    nav,
    // Keys typed while the groups (or a group's copies) are read wait for them: `a` then `d` marks and plans what loads.
    busy: task.status === 'idle' || task.status === 'running' || (openSummary !== undefined && groupTask.task.status === 'running'),
    // Marks and chosen copies are work: esc and q ask before they are thrown away.
    unsaved: list.marked.size || keep.size ? listed([...(list.marked.size ? [count(list.marked.size, 'marked group')] : []), ...(keep.size ? [count(keep.size, 'chosen copy', 'chosen copies')] : [])]) : null,
    onBack: () => {
      if (open === null) return false;
      setOpen(null);
      return true;
    },
    onAction: (action) => {
      setFlash(null);
      if (openSummary) {
        if (!openGroup) {
          if (action === 'open') setOpen(null);
          return;
        }
        const copies = openGroup.copies.length;
        const current = keep.get(openGroup.event_id) ?? 0;
        // Scrolls only what does not fit: a table that fits keeps its first row in view.
        if (action === 'down') setScroll((s) => Math.min(s + 1, Math.max(0, (table?.rows.length ?? 0) - copyRows)));
        else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
        else if (action === 'left' || action === 'right') {
          const next = (current + (action === 'right' ? 1 : copies - 1)) % copies;
          setKeep((k) => new Map(k).set(openGroup.event_id, next));
        } else if (action === 'toggle') dispatch({ type: 'toggle' });
        else if (action === 'open') setOpen(null);
        return;
      }
      if (isListMove(action)) dispatch(listMove(action));
      else if (action === 'toggle') dispatch({ type: 'toggle' });
      else if (action === 'all') dispatch({ type: 'markAll' });
      else if (action === 'range') dispatch({ type: 'range' });
      else if (action === 'open' && groups[list.cursor]) {
        setOpen(list.cursor);
        setScroll(0);
        void groupTask.run(groups[list.cursor]!.event_id);
      } else if (action === 'dedupe') void planMarked();
      else if (action === 'reload') void run();
    },
  });

  const title = `${stage.name} · duplicates`;
  let body;
  if (task.status === 'running' || task.status === 'idle') body = <ProgressLine label="finding duplicates" startedAt={task.status === 'running' ? task.startedAt : Date.now()} />;
  else if (task.status === 'failed') body = <ErrorPanel title="Could not list duplicates" message={task.message} hint="r tries again; esc goes back" />;
  else if (openSummary && groupTask.task.status === 'failed') {
    body = <ErrorPanel title="Could not read the copies" message={groupTask.task.message} hint="enter or esc goes back" />;
  } else if (openSummary && !(openGroup && table)) {
    body = <ProgressLine label={`reading the copies of ${openSummary.event_id}`} startedAt={groupTask.task.status === 'running' ? groupTask.task.startedAt : Date.now()} />;
  } else if (openGroup && table) {
    body = (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          {openGroup.event_id} · {openGroup.copies.length} copies · {openGroup.identical ? 'identical' : `differ: ${openGroup.differences.join(', ')}`}
        </Text>
        <CopiesTable rows={table.rows} columns={table.columns} kept={keep.get(openGroup.event_id) ?? 0} width={width} offset={scroll} height={copiesHeight} />
      </Box>
    );
  } else {
    const cursorGroup = groups[list.cursor];
    body = (
      <Box flexDirection="column">
        <Text color={tone('muted')} wrap="truncate-end">
          {'      ' + 'event_id'.padEnd(37) + 'n'.padStart(3) + ' ' + '1st ingest'.padEnd(12) + 'last ingest'.padEnd(12) + 'same'}
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
  const status = planTask.task.status === 'running' ? 'planning…' : `${range ? `${range} · ` : ''}${list.marked.size} marked · ${list.count ? list.cursor + 1 : 0}/${list.count}`;
  const failure = planTask.task.status === 'failed' ? ({ text: planTask.task.message, tone: 'danger' } as Flash) : null;
  return (
    <Frame title={title} status={status} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? failure}>
      {body}
    </Frame>
  );
}
