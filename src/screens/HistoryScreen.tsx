/** History: every applied plan from the warehouse's audit table (every operator, every host), newest first. */
import { Box, Text } from 'ink';
import { DetailsView } from '../components/DetailsView.js';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { tone } from '../components/theme.js';
import { listPosition, WindowedList } from '../components/WindowedList.js';
import type { ScreenProps } from './navigation.js';
import { useHistoryState } from './useHistoryState.js';
import { useScreen } from './useScreen.js';
import { describeWritten } from '../data/operations/apply.js';
import type { AuditEntry } from '../data/service/requests.js';
import { printable, printableLines } from '../data/printable.js';

type Action = ListMove | 'open' | 'revert';

/** An applied plan in full, for the details view: the list and the lines under it cut the description. */
function entryText(e: AuditEntry): string {
  return [
    `plan ${e.plan_id} · ${e.kind} · ${e.stage}`,
    `applied ${e.applied_at} by ${printable(e.operator)} on ${printable(e.host)}${e.job_id ? ` (job ${printable(e.job_id)})` : ''}`,
    ...(e.ticket ? [`ticket: ${printable(e.ticket)}`] : []),
    ...(e.approved_by ? [`approved by ${printable(e.approved_by)}${e.approved_at ? ` at ${e.approved_at}` : ''} (the second operator)`] : []),
    '',
    `description: ${printableLines(e.description)}`,
    ...(e.selection ? [`selection: ${printable(e.selection)}`] : []),
    describeWritten(e.counts),
    ...(e.rerun_state === 'rerun pending'
      ? [`not in the stage table yet: it needs a rerun from ${e.oldest?.slice(0, 10) ?? 'its oldest event'}`]
      : e.rerun_state
        ? ['in the stage table (rebuilt since)']
        : []),
    ...(e.reverted_by ? [`reverted by plan ${e.reverted_by}`] : []),
    ...(e.revert_of ? [`reverts plan ${e.revert_of}`] : []),
  ].join('\n');
}

/** `r` says what it does for the plan under the cursor: on a revert, it plans the reverted plan again. */
const bindingsFor = (e: AuditEntry | undefined): Binding<Action>[] => [
  ...LIST_BINDINGS,
  { keys: ['enter'], help: 'read in full', action: 'open', footer: 1 },
  { keys: ['r'], help: e?.revert_of ? 'redo the reverted plan' : 'revert (plan deleting its rows)', action: 'revert', footer: 1 },
];

export function HistoryScreen({ active, width, height, nav, services }: ScreenProps) {
  const detailRows = 6;
  const {
    state,
    dispatch,
    entries,
    entry: e,
    reading: load,
    reverting,
    planRevert,
    settled,
  } = useHistoryState(services.service, active, Math.max(1, height - 5 - detailRows));
  const { list } = state;
  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    // The chosen plan in full, in a DetailsView over the list.
    open: () => e && dispatch({ type: 'read', reading: true }),
    revert: async () => {
      const plan = await planRevert();
      if (plan) nav.push({ name: 'confirm', plan });
    },
  };
  const { helpOpen, bindings } = useScreen({
    bindings: bindingsFor(e),
    active: active && reverting.status !== 'running' && !(state.reading && e),
    // Keys typed while the audit table is read wait for the entries (enter, r on the first entry).
    busy: load.status !== 'failed' && !settled,
    nav,
    onAction: (action) => (isListMove(action) ? dispatch({ type: 'list', action: listMove(action) }) : void actions[action]()),
  });
  if (state.reading && e)
    return (
      <DetailsView
        title={`evfix · history · plan ${e.plan_id}`}
        text={entryText(e)}
        width={width}
        height={height}
        active={active}
        onClose={() => dispatch({ type: 'read', reading: false })}
      />
    );
  return (
    <Frame
      title="evfix · history"
      status={listPosition(list)}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={reverting.status === 'failed' ? { text: reverting.message, tone: 'danger' } : null}
    >
      <WindowedList
        items={entries}
        state={list}
        empty={
          load.status === 'done'
            ? `No plan has been applied yet (audit table ${services.service.config.tables.audit}).`
            : load.status === 'failed'
              ? load.message
              : 'reading the audit table…'
        }
        render={(x) =>
          `${x.applied_at.slice(0, 19)}  ${x.kind.padEnd(7)} ${x.stage}${x.reverted_by ? '  (reverted)' : ''}${x.rerun_state === 'rerun pending' ? '  rerun pending' : ''}`
        }
      />
      {e ? (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate-end">
            plan {e.plan_id} by {printable(e.operator)} on {printable(e.host)}
            {e.approved_by ? ` · approved by ${printable(e.approved_by)}` : ''}
            {e.ticket ? ` · ticket ${printable(e.ticket)}` : ''}
          </Text>
          <Text wrap="truncate-end">description: {printable(e.description)}</Text>
          <Text wrap="truncate-end">
            {describeWritten(e.counts)}
            {e.rerun_state === 'rerun pending' ? ' · rerun pending' : e.rerun_state ? ' · in the stage table' : ''}
          </Text>
          {e.reverted_by ? <Text color={tone('warn')}>reverted by plan {e.reverted_by}</Text> : null}
          {e.revert_of ? (
            <Text color={tone('muted')}>
              reverts plan {e.revert_of} (r plans {e.revert_of} again)
            </Text>
          ) : null}
        </Box>
      ) : null}
    </Frame>
  );
}
