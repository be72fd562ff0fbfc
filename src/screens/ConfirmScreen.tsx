/**
 * Confirm: the plan summarised (rows per table, events, dates, the rerun it
 * will need) and the SQL it will run. Only `y` writes; in production the
 * stage table's name must be typed. Esc goes back and writes nothing.
 *
 * With `ticket_pattern`, a ticket field must hold a matching ticket before `y`
 * writes. With `approval: required`, a plan no second operator has approved is
 * not written: `y` keeps the plan file in the state folder and shows the
 * `evfix approve FILE` command for them; once approved, `y` writes it.
 */
import { confirmsByTypedName } from '../data/confirmation.js';
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { hangingLines as hang } from '../components/wrapText.js';
import { thousands as n } from '../data/counts.js';
import { describeDocChange } from '../data/operations/impact.js';
import { describeEdit } from '../data/json/edit.js';
import { rerunFor } from '../data/operations/apply.js';
import type { Plan } from '../data/plan.js';
import { printable } from '../data/printable.js';
import { describeSelection } from '../data/selection.js';
import { parseTimestamp } from '../data/timestamp.js';
import { ConfirmPrompt, wordsOf } from '../components/ConfirmPrompt.js';
import { formBindings, isListMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { useScroll } from '../components/scrollState.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';
import { keptCopyLines } from './changeSummary.js';
import { useEstimate } from './useEstimate.js';
import { approvalRow, useApproval } from './useApproval.js';
import { ticketProblem } from '../data/operations/approval.js';
import { useConfirmState, useImpact, type ImpactState } from './useConfirmState.js';

type Action = ListMove | 'write' | 'describe' | 'skip' | 'ticket';

/**
 * `ticket`: the config asks for a ticket (t types it); `approval`: the plan awaits a second operator's approval
 * (y keeps it for them, or, once kept, writes it if they approved it). `verb`: what `y` does to the rows, in the
 * question's words ("write", "delete", "write and delete").
 */
export function confirmBindings(
  readOnly: boolean,
  typed: boolean,
  problems = false,
  more: { ticket?: boolean; approval?: 'keep' | 'recheck'; verb?: string } = {},
): Binding<Action>[] {
  const verb = more.verb ?? 'write';
  const write = more.approval === 'keep' ? 'keep for approval' : more.approval === 'recheck' ? `${verb} once approved` : verb;
  return [
    ...(readOnly || typed || problems ? [] : [{ keys: ['y'], help: write, action: 'write' as const, footer: 1 }]),
    ...(problems ? [{ keys: ['s'], help: 'leave out the events that cannot change', action: 'skip' as const, footer: 1 }] : []),
    ...(more.ticket && !readOnly ? [{ keys: ['t'], help: 'type the ticket', action: 'ticket' as const, footer: 1 }] : []),
    // Space pages down too, as it always has here.
    ...scrollBindings({ footer: 2 }).map((b) => (b.action === 'pageDown' ? { ...b, keys: [...b.keys, ' '] } : b)),
    { keys: ['e'], help: 'edit description', action: 'describe', footer: 2 },
  ];
}

/** The impact in two or three lines: the counts, then the first changed rows. */
function impactRows(state: ImpactState, n: (x: number) => string): string[] {
  if (state.status === 'off') return ['  stage table after the rerun: not computed in read-only mode'];
  if (state.status === 'loading') return ['  stage table after the rerun: computing…'];
  if (state.status === 'failed') return [`  stage table after the rerun: not computed: ${printable(state.message)}`];
  const i = state.impact;
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  return [
    `  stage table after the rerun: ${n(i.added)} added, ${n(i.removed)} removed, ${n(i.changed)} changed, ${n(i.unchanged)} unchanged`,
    ...i.sample
      .slice(0, 2)
      .map(
        (r) =>
          `    ${mark[r.change]} ${r.event_id.slice(0, 8)} ${r.event_created_at.slice(0, 16)} ${r.change}${r.change === 'changed' ? `: ${describeDocChange(r.before, r.after)}` : ''}`,
      ),
  ];
}

export function ConfirmScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: Plan } }) {
  const { service } = services;
  const config = service.config;
  const readOnly = config.read_only;
  // The change ticket (ticket_pattern): typed first, in a field that has the keys until a matching one is kept.
  const pattern = readOnly ? undefined : config.ticket_pattern;
  const { state, dispatch, remake } = useConfirmState(service, route.plan, pattern !== undefined);
  const { plan, editing, description: draft, ticket, ticketDraft, ticketing, remaking, proceeding, flash } = state;
  const info = plan;
  // While a new description is put on the plan, the plan on screen is the old one: nothing is written meanwhile.
  const { sealing, describe } = useRedescribe(service, (flash) => dispatch({ type: 'flash', flash }));
  const impact = useImpact(service, plan, !readOnly);
  const estimate = useEstimate(services, plan.id);
  const approval = useApproval(service, plan, config.approval === 'required' && !readOnly);
  const awaiting = approval.state.status !== 'off' && approval.state.status !== 'approved';
  // Wrapped to the screen so the operator reads every character of the SQL, scrolling down rather than sideways.
  const sql = useMemo(
    () => plan.sql.statements.flatMap((st) => [`-- ${st.label}`, ...`${st.sql};`.split('\n')]).flatMap((l) => hang(l, width - 1)),
    [plan, width],
  );
  // In production the stage name is typed to write; a plan awaiting approval is not written, so `y` keeps it instead.
  const typed = confirmsByTypedName(config) && !readOnly && !awaiting;
  const blocked = plan.kind === 'update' && plan.counts.problems > 0 && plan.on_problem === 'refuse';
  const ready = !sealing && !remaking && !blocked && !proceeding;
  const c = plan.counts;
  // The offset as of the plan: the rerun screen offers it again once the plan is written.
  const rerun = rerunFor({ now: () => parseTimestamp(plan.created_at) }, plan);
  const tables = config.tables;
  const infoRows = [
    `${info.kind} plan ${info.id} by ${printable(info.operator)}: ${n(c.events)} event(s)${c.unchanged ? `, ${n(c.unchanged)} already as asked` : ''}${c.skipped ? `, ${n(c.skipped)} left alone` : ''}`,
    `  ${printable(describeSelection(plan.selection))}`,
    ...(plan.extent ? [`  created ${plan.extent.oldest.slice(0, 19)} .. ${plan.extent.newest.slice(0, 19)}`] : []),
    ...(c.exclusions ? [`  ${n(c.exclusions).padStart(9)} row(s) -> ${tables.exclusions}`] : []),
    ...(c.exceptions ? [`  ${n(c.exceptions).padStart(9)} row(s) -> ${tables.exceptions} (is_event_update = ${plan.kind === 'update'})`] : []),
    ...(c.deleted.exclusions ? [`  ${n(c.deleted.exclusions).padStart(9)} row(s) deleted from ${tables.exclusions}`] : []),
    ...(c.deleted.exceptions ? [`  ${n(c.deleted.exceptions).padStart(9)} row(s) deleted from ${tables.exceptions}`] : []),
    ...(plan.edits.length ? [`  edits: ${plan.edits.map(describeEdit).map(printable).join('; ')}`] : []),
    ...plan.summary.paths.flatMap((p) => [
      `  ${p.path}: ${p.changes
        .slice(0, 2)
        .map((ch) => `${printable(ch.before ?? '(missing)')} -> ${printable(ch.after ?? '(removed)')} ×${n(ch.events)}`)
        .join(', ')}${p.changes.length > 2 || p.more.pairs ? ` and ${n(p.changes.length - 2 + p.more.pairs)} more` : ''}`,
    ]),
    ...plan.summary.notes.map((note) => `  ${printable(note)}`),
    ...keptCopyLines(plan),
    ...(c.problems
      ? [
          `  ${n(c.problems)} event(s) cannot be changed as asked${plan.on_problem === 'skip' ? ' (left out)' : ''}, e.g. ${plan.problems[0]?.event_id.slice(0, 8)}: ${printable(plan.problems[0]?.reason ?? '')}`,
        ]
      : []),
    `  rerun: ${rerun.stage}, current_date_offset = ${rerun.current_date_offset} (from ${rerun.since.slice(0, 10)})`,
    ...impactRows(impact, n),
    ...estimate,
    ...approvalRow(approval.state, tables.approvals),
  ];
  // Everything above the prompt is one document, wrapped, never cut: the plan, its impact, the description and
  // the SQL. What does not fit scrolls (j/k, PgDn/PgUp); the status line says which lines show.
  const doc: { text: string; tone?: 'muted' | 'accent' }[] = [
    ...infoRows.flatMap((row) => hang(row, width - 1).map((text) => ({ text }))),
    ...(editing ? [] : hang(`description (e edits): ${printable(info.description)}`, width - 1).map((text) => ({ text }))),
    { text: `SQL (${plan.sql.statements.length} statement(s), ${sql.length} lines):`, tone: 'muted' as const },
    ...sql.map((text) => ({ text, tone: 'accent' as const })),
  ];
  // Instead of the question while the plan awaits approval: what happens, and the command for the second operator.
  const kept = approval.state.status === 'missing' ? approval.state.file : undefined;
  const notice = !awaiting
    ? []
    : kept
      ? [
          'Not written: a second operator must approve it first (approval: required).',
          'They review and approve the plan file kept for them with:',
          `  evfix approve ${kept}`,
          'Then y here writes it (the approval is checked again); esc goes back.',
        ].flatMap((l) => hang(l, width - 1))
      : approval.state.status === 'checking'
        ? ['checking the approval…']
        : hang(
            approval.state.status === 'failed'
              ? `The approval cannot be read: ${printable(approval.state.message)}. y tries again; esc goes back.`
              : "Needs a second operator's approval before it is written (approval: required): y keeps the plan file for them and shows the command; nothing is written. esc goes back.",
            width - 1,
          );
  // The frame (3 rows), the prompt (or the approval notice), the description field while it is edited, the ticket
  // field and its message, and one row spare for a wrapped flash.
  const viewHeight = Math.max(3, height - 3 - Math.max(1, notice.length) - (editing ? 1 : 0) - (pattern !== undefined ? 2 : 0) - 1);
  const scroll = useScroll({ lines: doc.length, room: viewHeight });
  const top = scroll.top;
  /** `y` (or the stage name typed): the ticket first, then the approval, then the apply screen writes. */
  const proceed = () => {
    if (!ready) return;
    if (pattern !== undefined && ticket === undefined) return dispatch({ type: 'askTicket', pattern });
    if (approval.state.status === 'off') return nav.push({ name: 'apply', plan, ticket });
    dispatch({ type: 'proceeding', on: true });
    void approval.clear().then((approved) => {
      dispatch({ type: 'proceeding', on: false });
      if (approved) nav.push({ name: 'apply', plan, ticket });
    });
  };
  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    write: proceed,
    ticket: () => dispatch({ type: 'ticketing' }),
    describe: () => dispatch({ type: 'edit', editing: true }),
    skip: remake,
  };
  // What `y` does to the rows, in the question's words: a revert deletes them.
  const { verb } = wordsOf({ counts: c });
  const { helpOpen, bindings } = useScreen({
    bindings: confirmBindings(readOnly, typed, blocked, {
      ticket: pattern !== undefined,
      verb,
      approval: !awaiting ? undefined : approval.state.status === 'missing' && approval.state.file ? 'recheck' : 'keep',
    }),
    active,
    nav,
    keysEnabled: !typed || blocked,
    // A `y` (or the stage name) typed ahead waits until the description is on the plan, or the plan is made again,
    // and the question asked.
    busy: sealing || remaking,
    field: { open: editing || ticketing, close: () => dispatch({ type: 'closeFields' }) },
    formKeys: formBindings({ enter: editing ? 'keep the description' : ticketing ? 'keep the ticket' : verb }),
    unsaved: editing && draft !== info.description ? 'the description typed' : null,
    onAction: (action) => {
      if (isListMove(action)) scroll.scroll(action);
      else void actions[action]();
    },
  });
  const position = doc.length > viewHeight ? `lines ${top + 1}-${Math.min(doc.length, top + viewHeight)} of ${doc.length} · ` : '';
  return (
    <Frame
      title={`confirm ${info.kind} · ${info.stage}`}
      status={`${position}${readOnly ? 'read-only' : config.environment}`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={flash}
    >
      <Box flexDirection="column" height={viewHeight} overflow="hidden">
        {doc.slice(top, top + viewHeight).map((line, i) => (
          <Text key={top + i} color={line.tone ? tone(line.tone) : undefined}>
            {line.text}
          </Text>
        ))}
      </Box>
      {editing ? (
        <TextField
          label="description"
          value={draft}
          onChange={(text) => dispatch({ type: 'typeDescription', text })}
          // While the description is put on the rows, keys typed ahead wait for the question, not this field.
          focus={active && !sealing}
          required
          onSubmit={(v) => describe(plan, v, (described) => dispatch({ type: 'described', plan: described }))}
        />
      ) : null}
      {pattern !== undefined ? (
        <TextField
          label="ticket"
          value={ticketDraft}
          onChange={(text) => dispatch({ type: 'typeTicket', text })}
          focus={active && ticketing && !editing && !sealing}
          required
          validate={(v) => ticketProblem(config, v)}
          placeholder={`required, matching ${pattern}`}
          width={width}
          onSubmit={(text) => dispatch({ type: 'keepTicket', text })}
        />
      ) : null}
      {readOnly ? (
        <Text color={tone('warn')}>Read-only mode: this plan cannot be written. esc goes back.</Text>
      ) : blocked ? (
        <Text color={tone('warn')}>
          {remaking ? 'making the plan again without them…' : `${n(c.problems)} event(s) cannot be changed as asked: s leaves them out, esc goes back.`}
        </Text>
      ) : awaiting ? (
        <Box flexDirection="column">
          {notice.map((line, i) => (
            <Text key={i} color={tone(line.startsWith('  evfix approve') ? 'accent' : 'warn')}>
              {line}
            </Text>
          ))}
        </Box>
      ) : ready ? (
        <ConfirmPrompt counts={c} typedValue={typed ? info.stage : undefined} focus={active && !editing && !ticketing} onConfirm={proceed} />
      ) : (
        <Text color={tone('muted')}>{remaking ? 'making the plan again…' : 'putting the description on the plan…'}</Text>
      )}
    </Frame>
  );
}
