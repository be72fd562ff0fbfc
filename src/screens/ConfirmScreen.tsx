/**
 * Confirm: the plan summarised (rows per table, events, dates, the rerun it
 * will need) and the SQL it will run. Only `y` writes; in production the
 * stage table's name must be typed. Esc goes back and writes nothing.
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { wrapText } from '../components/wrapText.js';
import type { StageImpact } from '../data/engine.js';
import { describeDocChange } from '../data/operations/impact.js';
import { describeError } from '../data/errors.js';
import { describeEdit } from '../data/json/edit.js';
import { rerunFor } from '../data/operations/apply.js';
import type { Plan } from '../data/plan.js';
import { printable } from '../data/printable.js';
import { describeSelection } from '../data/selection.js';
import { parseTimestamp } from '../data/timestamp.js';
import { ConfirmPrompt } from '../components/ConfirmPrompt.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';
import { keptCopyLines } from './changeSummary.js';
import { useEstimate } from './useEstimate.js';

type Action = 'write' | 'down' | 'up' | 'pageDown' | 'pageUp' | 'describe' | 'skip';

/**
 * A line wrapped at spaces to the width, its continuation lines indented two more than its own indent, so a
 * wrapped row still reads as one. Nothing on the confirm screen is cut: what does not fit scrolls.
 */
function hang(line: string, width: number): string[] {
  const indent = line.length - line.trimStart().length;
  const pad = ' '.repeat(indent + 2);
  const [first = '', ...rest] = wrapText(line.slice(indent), Math.max(20, width - indent - 2));
  return [' '.repeat(indent) + first, ...rest.map((l) => pad + l)];
}

export function confirmBindings(readOnly: boolean, typed: boolean, problems = false): Binding<Action>[] {
  return [
    ...(readOnly || typed || problems ? [] : [{ keys: ['y'], help: 'write', action: 'write' as const, footer: 1 }]),
    ...(problems ? [{ keys: ['s'], help: 'leave out the events that cannot change', action: 'skip' as const, footer: 1 }] : []),
    { keys: ['j', 'down'], help: 'scroll down', action: 'down', footer: 2, group: 'scroll' },
    { keys: ['k', 'up'], help: 'scroll up', action: 'up', footer: 2, group: 'scroll' },
    { keys: ['pagedown', ' '], help: 'page down', action: 'pageDown', footer: 3, group: 'page' },
    { keys: ['pageup'], help: 'page up', action: 'pageUp', footer: 3, group: 'page' },
    { keys: ['e'], help: 'edit description', action: 'describe', footer: 2 },
  ];
}

type ImpactState = { status: 'off' } | { status: 'loading' } | { status: 'done'; impact: StageImpact } | { status: 'failed'; message: string };

/**
 * The stage table after this plan and its rerun, computed in the warehouse while the operator reads (the plan
 * written in a transaction that is rolled back). `y` does not wait for it. Read-only mode cannot open that
 * transaction, and says so.
 */
function useImpact(services: ScreenProps['services'], plan: Plan, enabled: boolean): ImpactState {
  const [state, setState] = useState<ImpactState>({ status: enabled ? 'loading' : 'off' });
  useEffect(() => {
    if (!enabled) return;
    let gone = false;
    setState({ status: 'loading' });
    services.service.call('planImpact', { plan: plan.id }).then(
      (impact) => !gone && setState({ status: 'done', impact }),
      (error: unknown) => !gone && setState({ status: 'failed', message: describeError(error) }),
    );
    return () => {
      gone = true;
    };
  }, [services, plan.id, enabled]);
  return state;
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
    ...i.sample.slice(0, 2).map((r) => `    ${mark[r.change]} ${r.event_id.slice(0, 8)} ${r.event_created_at.slice(0, 16)} ${r.change}${r.change === 'changed' ? `: ${describeDocChange(r.before, r.after)}` : ''}`),
  ];
}

export function ConfirmScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: Plan } }) {
  const { service } = services;
  const config = service.config;
  const [plan, setPlan] = useState(route.plan);
  const info = plan;
  const [scroll, setScroll] = useState(0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(info.description);
  const [flash, setFlash] = useState<Flash>(null);
  // While a new description is put on the plan, the plan on screen is the old one: nothing is written meanwhile.
  const { sealing, describe } = useRedescribe(service, setFlash);
  const [remaking, setRemaking] = useState(false);
  const impact = useImpact(services, plan, !config.read_only);
  const estimate = useEstimate(services, plan.id);
  // Set as the screen is drawn below; the scroll keys read them.
  let viewHeight = 1;
  let maxScroll = 0;
  // Wrapped to the screen so the operator reads every character of the SQL, scrolling down rather than sideways.
  const sql = useMemo(() => plan.sql.statements.flatMap((st) => [`-- ${st.label}`, ...`${st.sql};`.split('\n')]).flatMap((l) => hang(l, width - 1)), [plan, width]);
  const readOnly = config.read_only;
  const typed = config.environment === 'prod' && !readOnly;
  const blocked = plan.kind === 'update' && plan.counts.problems > 0 && plan.on_problem === 'refuse';
  const ready = !sealing && !remaking && !blocked;
  const { helpOpen, bindings } = useScreen({
    bindings: confirmBindings(readOnly, typed, blocked),
    active,
    nav,
    keysEnabled: !typed || blocked,
    // A `y` (or the stage name) typed ahead waits until the description is on the plan, or the plan is made again,
    // and the question asked.
    busy: sealing || remaking,
    field: { open: editing, close: () => setEditing(false) },
    formKeys: formBindings({ enter: editing ? 'keep the description' : 'write' }),
    unsaved: editing && draft !== info.description ? 'the description typed' : null,
    onAction: (action) => {
      if (action === 'write') {
        if (ready) nav.push({ name: 'apply', plan });
      } else if (action === 'down') setScroll((s) => Math.min(s + 1, maxScroll));
      else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
      else if (action === 'pageDown') setScroll((s) => Math.min(s + viewHeight, maxScroll));
      else if (action === 'pageUp') setScroll((s) => Math.max(0, s - viewHeight));
      else if (action === 'describe') setEditing(true);
      else if (action === 'skip' && !remaking) {
        setRemaking(true);
        service.call('remakePlan', { plan: plan.id, onProblem: 'skip' }).then(
          (next) => {
            setRemaking(false);
            setPlan(next);
          },
          (error: unknown) => {
            setRemaking(false);
            setFlash({ text: describeError(error), tone: 'danger' });
          },
        );
      }
    },
  });
  const c = plan.counts;
  // The offset as of the plan: the rerun screen offers it again once the plan is written.
  const rerun = rerunFor({ now: () => parseTimestamp(plan.created_at) }, plan);
  const n = (x: number) => x.toLocaleString('en-US');
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
      `  ${p.path}: ${p.changes.slice(0, 2).map((ch) => `${printable(ch.before ?? '(missing)')} -> ${printable(ch.after ?? '(removed)')} ×${n(ch.events)}`).join(', ')}${p.changes.length > 2 || p.more.pairs ? ` and ${n(p.changes.length - 2 + p.more.pairs)} more` : ''}`,
    ]),
    ...plan.summary.notes.map((note) => `  ${printable(note)}`),
    ...keptCopyLines(plan),
    ...(c.problems
      ? [`  ${n(c.problems)} event(s) cannot be changed as asked${plan.on_problem === 'skip' ? ' (left out)' : ''}, e.g. ${plan.problems[0]?.event_id.slice(0, 8)}: ${printable(plan.problems[0]?.reason ?? '')}`]
      : []),
    `  rerun: ${rerun.stage}, current_date_offset = ${rerun.current_date_offset} (from ${rerun.since.slice(0, 10)})`,
    ...impactRows(impact, n),
    ...estimate,
  ];
  // Everything above the prompt is one document, wrapped, never cut: the plan, its impact, the description and
  // the SQL. What does not fit scrolls (j/k, PgDn/PgUp); the status line says which lines show.
  const doc: { text: string; tone?: 'muted' | 'accent' }[] = [
    ...infoRows.flatMap((row) => hang(row, width - 1).map((text) => ({ text }))),
    ...(editing ? [] : hang(`description (e edits): ${printable(info.description)}`, width - 1).map((text) => ({ text }))),
    { text: `SQL (${plan.sql.statements.length} statement(s), ${sql.length} lines):`, tone: 'muted' as const },
    ...sql.map((text) => ({ text, tone: 'accent' as const })),
  ];
  // The frame (3 rows), the prompt, the description field while it is edited, and one row spare for a wrapped flash.
  viewHeight = Math.max(3, height - 3 - 1 - (editing ? 1 : 0) - 1);
  maxScroll = Math.max(0, doc.length - viewHeight);
  const top = Math.min(scroll, maxScroll);
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
          onChange={setDraft}
          // While the description is put on the rows, keys typed ahead wait for the question, not this field.
          focus={active && !sealing}
          required
          onSubmit={(v) =>
            describe(plan, v, (described) => {
              setPlan(described);
              setEditing(false);
            })
          }
        />
      ) : null}
      {readOnly ? (
        <Text color={tone('warn')}>Read-only mode: this plan cannot be written. esc goes back.</Text>
      ) : blocked ? (
        <Text color={tone('warn')}>{remaking ? 'making the plan again without them…' : `${n(c.problems)} event(s) cannot be changed as asked: s leaves them out, esc goes back.`}</Text>
      ) : ready ? (
        <ConfirmPrompt deletes={c.exceptions + c.exclusions === 0} typedValue={typed ? info.stage : undefined} focus={active && !editing} onConfirm={() => nav.push({ name: 'apply', plan })} />
      ) : (
        <Text color={tone('muted')}>{remaking ? 'making the plan again…' : 'putting the description on the plan…'}</Text>
      )}
    </Frame>
  );
}
