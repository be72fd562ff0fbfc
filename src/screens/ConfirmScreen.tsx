/**
 * Confirm: the plan summarised (rows per table, events, dates, the rerun it
 * will need) and the SQL it will run. Only `y` writes; in production the
 * stage table's name must be typed. Esc goes back and writes nothing.
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { describeError } from '../data/errors.js';
import type { PlanRef } from '../data/plans/planRef.js';
import type { PlanSummary } from '../data/planSummary.js';
import { ConfirmPrompt } from '../components/ConfirmPrompt.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';

type Action = 'write' | 'down' | 'up' | 'describe';

function wrapLines(text: string, width: number): string[] {
  width = Math.max(20, width);
  return text.split("\n").flatMap((line) => {
    const out: string[] = [];
    for (let rest = line; ; rest = '    ' + rest.slice(width)) {
      out.push(rest.slice(0, width));
      if (rest.length <= width) return out;
    }
  });
}

export function confirmBindings(readOnly: boolean, typed: boolean): Binding<Action>[] {
  return [
    ...(readOnly || typed ? [] : [{ keys: ['y'], help: 'write', action: 'write' as const, footer: 1 }]),
    { keys: ['j', 'down'], help: 'scroll the SQL down', action: 'down', footer: 2, group: 'scroll SQL' },
    { keys: ['k', 'up'], help: 'scroll the SQL up', action: 'up', footer: 2, group: 'scroll SQL' },
    { keys: ['e'], help: 'edit description', action: 'describe', footer: 2 },
  ];
}

export function ConfirmScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: PlanRef } }) {
  const { ctx } = services;
  const [plan, setPlan] = useState(route.plan);
  const { info } = plan;
  const [scroll, setScroll] = useState(0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(info.description);
  const [flash, setFlash] = useState<Flash>(null);
  // While a new description is put on every row, the plan on screen is the old one: nothing is written meanwhile.
  const { sealing, describe } = useRedescribe(setFlash);
  // Summarised where the plan is kept (100,000 rows, in slices), with the SQL; nothing is written before the
  // operator has seen both.
  const [shown, setShown] = useState<{ summary: PlanSummary; sql: string } | { error: string } | undefined>();
  useEffect(() => {
    let current = true;
    setShown(undefined);
    Promise.all([plan.summary(), plan.applySql()]).then(
      ([summary, sql]) => current && setShown({ summary, sql }),
      (error: unknown) => current && setShown({ error: describeError(error) }),
    );
    return () => {
      current = false;
    };
  }, [plan]);
  const summary = shown && 'summary' in shown ? shown.summary : undefined;
  const ready = summary !== undefined && !sealing;
  // Wrapped to the screen so the operator reads every character of the SQL, scrolling down rather than sideways.
  const sql = useMemo(() => (shown && 'sql' in shown ? wrapLines(shown.sql, width - 1) : []), [shown, width]);
  const readOnly = ctx.config.read_only;
  const typed = ctx.config.environment === 'prod' && !readOnly;
  const { helpOpen, bindings } = useScreen({
    bindings: confirmBindings(readOnly, typed),
    active,
    nav,
    keysEnabled: !typed,
    // A `y` (or the stage name) typed ahead waits until the plan is summarised and the question asked.
    busy: shown === undefined || sealing,
    field: { open: editing, close: () => setEditing(false) },
    formKeys: formBindings({ enter: editing ? 'keep the description' : 'write' }),
    onAction: (action) => {
      if (action === 'write') {
        if (ready) nav.push({ name: 'apply', plan });
      }
      else if (action === 'down') setScroll((s) => Math.min(s + 1, Math.max(0, sql.length - 1)));
      else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
      else if (action === 'describe') setEditing(true);
    },
  });
  const infoRows = summary
    ? [
        `${info.kind} plan ${info.id} by ${info.operator}: ${summary.events} event(s)`,
        `  created ${summary.firstCreated.slice(0, 19)} .. ${summary.lastCreated.slice(0, 19)}`,
        ...summary.rows.map((r) =>
          r.count < 0
            ? `  ${String(-r.count).padStart(7)} row(s) deleted from ${r.table}`
            : `  ${String(r.count).padStart(7)} row(s) -> ${r.table}${r.note.startsWith('exceptions,') ? ` (${r.note.slice(12)})` : ''}`,
        ),
        ...(summary.edits.length ? [`  edits: ${summary.edits.join('; ')}`] : []),
        ...(summary.skipped ? [`  ${summary.skipped} event(s) left alone (already as requested or excluded)`] : []),
        `  rerun: ${summary.rerun.stage}, current_date_offset = ${summary.rerun.current_date_offset} (from ${summary.rerun.since.slice(0, 10)})`,
      ]
    : [`${info.kind} plan ${info.id} by ${info.operator}`, shown && 'error' in shown ? `  cannot summarise the plan: ${shown.error}` : `  summarising ${info.rows} row(s)…`];
  const sqlHeight = Math.max(2, height - 3 - infoRows.length - 6);
  return (
    <Frame title={`confirm ${info.kind} · ${info.stage}`} status={readOnly ? 'read-only' : ctx.config.environment} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash}>
      {infoRows.map((row, i) => (
        <Text key={i} wrap="truncate-end">
          {row}
        </Text>
      ))}
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
      ) : (
        <Text wrap="truncate-end">
          <Text color={tone('muted')}>description (e edits): </Text>
          {info.description}
        </Text>
      )}
      <Text color={tone('muted')}>SQL ({sql.length} lines{sql.length > sqlHeight ? ', j/k scrolls' : ''}):</Text>
      <Box flexDirection="column" height={sqlHeight} overflow="hidden">
        {sql.slice(scroll, scroll + sqlHeight).map((line, i) => (
          <Text key={scroll + i} color={tone('accent')} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      {readOnly ? (
        <Text color={tone('warn')}>Read-only mode: this plan cannot be written. esc goes back.</Text>
      ) : ready ? (
        <ConfirmPrompt typedValue={typed ? info.stage : undefined} focus={active && !editing} onConfirm={() => nav.push({ name: 'apply', plan })} />
      ) : (
        // The question is asked only once the summary above it is whole.
        <Text color={tone('muted')}>{sealing ? 'putting the description on every row…' : 'summarising the plan…'}</Text>
      )}
    </Frame>
  );
}
