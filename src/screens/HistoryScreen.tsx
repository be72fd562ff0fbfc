/** History: every apply attempt from the journal, newest first, and its details. */
import { Box, Text } from 'ink';
import { useCallback, useMemo, useReducer, useState } from 'react';
import { useTask } from './useTask.js';
import { attempts, type JournalEntry } from '../data/journal.js';
import { DetailsView } from '../components/DetailsView.js';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { initialList, listReducer } from '../components/listState.js';
import { tone } from '../components/theme.js';
import { listPosition, WindowedList } from '../components/WindowedList.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'open' | 'revert';

/** An attempt in full, for the details view: the list and the lines under it cut the description and the message. */
function attemptText(e: JournalEntry): string {
  return [
    `plan ${e.plan_id} · ${e.kind} · ${e.stage} · ${e.result}`,
    `${e.time} by ${e.operator} on ${e.warehouse}`,
    '',
    `description: ${e.description}`,
    ...(e.counts ? [`wrote ${e.counts.exclusions} exclusion(s), ${e.counts.exceptions} exception(s)`] : []),
    ...(e.rerun ? [`rerun: ${e.rerun.stage} with current_date_offset = ${e.rerun.current_date_offset}`] : []),
    ...(e.message ? ['', e.message] : []),
  ].join('\n');
}

const BINDINGS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: ['enter'], help: 'read in full', action: 'open', footer: 1 },
  { keys: ['r'], help: 'revert (plan deleting its rows)', action: 'revert', footer: 1 },
];

export function HistoryScreen({ active, width, height, nav, services }: ScreenProps) {
  const entries = useMemo(() => attempts(services.journal.read()), [services.journal]);
  const detailRows = 6;
  const [list, dispatch] = useReducer(listReducer, initialList(entries.length, Math.max(1, height - 5 - detailRows)));
  // The chosen attempt in full, in a DetailsView over the list.
  const [reading, setReading] = useState(false);
  const revert = useTask(useCallback((id: string) => services.plans.build({ op: 'revert', planId: id }), [services]));
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: active && revert.task.status !== 'running' && !reading,
    nav,
    onAction: async (action) => {
      if (isListMove(action)) dispatch(listMove(action));
      else if (action === 'open' && entries[list.cursor]) setReading(true);
      else if (action === 'revert' && entries[list.cursor]) {
        const plan = await revert.run(entries[list.cursor]!.plan_id);
        if (plan) nav.push({ name: 'confirm', plan });
      }
    },
  });
  const e = entries[list.cursor];
  if (reading && e) return <DetailsView title={`evfix · history · plan ${e.plan_id}`} text={attemptText(e)} width={width} height={height} active={active} onClose={() => setReading(false)} />;
  return (
    <Frame
      title="evfix · history"
      status={listPosition(list)}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={revert.task.status === 'failed' ? { text: revert.task.message, tone: 'danger' } : null}
    >
      <WindowedList
        items={entries}
        state={list}
        empty={`No plan has been applied yet (journal: ${services.journal.path}).`}
        render={(x) => `${x.time.slice(0, 19)}  ${x.result.padEnd(15)} ${x.kind.padEnd(7)} ${x.stage}`}
      />
      {e ? (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate-end">
            plan {e.plan_id} by {e.operator} on {e.warehouse}
          </Text>
          <Text wrap="truncate-end">description: {e.description}</Text>
          {e.counts ? <Text>wrote {e.counts.exclusions} exclusion(s), {e.counts.exceptions} exception(s)</Text> : null}
          {e.rerun ? <Text>rerun: {e.rerun.stage} with current_date_offset = {e.rerun.current_date_offset}</Text> : null}
          {e.message ? <Text color={tone(e.result === 'applied' ? 'muted' : 'warn')} wrap="truncate-end">{e.message}</Text> : null}
        </Box>
      ) : null}
    </Frame>
  );
}
