/**
 * Apply: the plan is written in one transaction while the screen shows
 * progress; then the counts, the journal entry, and the rerun it needs.
 */
import { Box, Text } from 'ink';
import { useCallback, useLayoutEffect, useRef, type ReactNode } from 'react';
import { thousands } from '../data/counts.js';
import type { ApplyResult } from '../data/operations/apply.js';
import type { Plan } from '../data/plan.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { tone } from '../components/theme.js';
import { wrapText } from '../components/wrapText.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

type Action = 'rerun' | 'done';

const DONE_BINDINGS: Binding<Action>[] = [
  // Opens the rerun screen, which asks (once) with what the rerun would do: no question here as well.
  { keys: ['r', 'y'], help: 'rerun screen', action: 'rerun', footer: 1 },
  { keys: ['enter', 'n'], help: 'done, back to stage tables', action: 'done', footer: 1 },
];

export function ApplyScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: Plan; ticket?: string } }) {
  const { service, trackWrite } = services;
  const config = service.config;
  const plan = route.plan;
  const info = plan;
  const ticket = route.ticket;
  const apply = useCallback(() => trackWrite(service.call('applyPlan', { plan: plan.id, ticket })), [plan, ticket, service, trackWrite]);
  const { task, run } = useTask<ApplyResult, []>(apply);
  const started = useRef(false);
  // A layout effect runs in the same turn as the commit that first draws this screen, so the write is
  // tracked before any signal can be handled: a SIGHUP that arrives once "writing" shows lets it finish.
  // (A passive effect ran a turn later, and a signal in between quit with nothing written.)
  useLayoutEffect(() => {
    // Exactly once: a re-render must never write twice.
    if (started.current) return;
    started.current = true;
    void run();
  }, [run]);

  const running = task.status === 'running' || task.status === 'idle';
  const { helpOpen, bindings } = useScreen({
    bindings: task.status === 'done' ? DONE_BINDINGS : task.status === 'failed' ? [DONE_BINDINGS[1]!] : [],
    // Nothing to press while the write runs: esc and q wait for it.
    active: active && !running,
    nav,
    // The plan is written (or refused) and every way on goes home: the work on the screens below is done.
    endsFlow: true,
    onBack: () => {
      nav.home();
      return true;
    },
    onAction: (action) => {
      if (action === 'done') nav.home();
      else if (action === 'rerun' && task.status === 'done') {
        nav.push({ name: 'rerun', stage: info.stage, offset: task.value.rerun.current_date_offset });
      }
    },
  });

  let body: ReactNode;
  // "writing" only once the write is under way (and tracked), never for the render before it starts.
  if (task.status === 'running') body = <ProgressLine label={`writing plan ${info.id} in one transaction`} startedAt={task.startedAt} />;
  else if (running) body = <Text color={tone('muted')}>starting the write of plan {info.id}…</Text>;
  else if (task.status === 'failed') body = <ErrorPanel title="Nothing was written" message={task.message} hint="enter goes back to the stage tables" />;
  else if (task.status === 'done') {
    const r = task.value;
    const deleted = r.written.deleted.exclusions + r.written.deleted.exceptions;
    body = (
      <Box flexDirection="column">
        <Text color={tone(r.status === 'applied' ? 'ok' : 'warn')}>{r.status === 'applied' ? `✓ Applied plan ${r.plan_id}` : `= ${r.message}`}</Text>
        {/* What was written, but no "0 row(s) ->" above what a revert deleted. */}
        {r.written.exclusions || !deleted ? (
          <Text>
            {'  '}
            {thousands(r.written.exclusions)} exclusion row(s) -&gt; {config.tables.exclusions}
          </Text>
        ) : null}
        {r.written.exceptions || !deleted ? (
          <Text>
            {'  '}
            {thousands(r.written.exceptions)} exception row(s) -&gt; {config.tables.exceptions}
          </Text>
        ) : null}
        {deleted ? (
          <Text>
            {'  '}deleted {thousands(r.written.deleted.exclusions)} exclusion row(s) and {thousands(r.written.deleted.exceptions)} exception row(s)
          </Text>
        ) : null}
        <Text color={tone('muted')}>
          {'  '}recorded in {config.tables.audit} ({((task.finishedAt - task.startedAt) / 1000).toFixed(1)}s)
        </Text>
        <Text> </Text>
        {/* Wrapped at spaces here: Ink's own wrap started a line with the space it broke at. */}
        {wrapText(
          `The stage table shows this once it is rerun: r opens the rerun of ${r.rerun.stage} from current_date_offset = ${r.rerun.current_date_offset}; enter goes back to the stage tables.`,
          width,
        ).map((line, i) => (
          <Text bold key={i}>
            {line}
          </Text>
        ))}
      </Box>
    );
  }
  return (
    <Frame title={`evfix · apply ${info.kind} · ${info.stage}`} width={width} height={height} bindings={bindings} helpOpen={helpOpen}>
      {body}
    </Frame>
  );
}
