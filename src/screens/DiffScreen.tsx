/**
 * Diff: the summary of the changes first, then the before and after of every event the plan changes, one at a
 * time (the first from the plan's sample, later ones read from the warehouse as they are paged to), and the
 * exception_description the rows will carry (required).
 */
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { thousands } from '../data/counts.js';
import { lineDiff } from '../data/json/diff.js';
import { parseJson } from '../data/json/value.js';
import type { Plan } from '../data/plan.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { formBindings, isListMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import { JsonDiffView } from '../components/JsonDiffView.js';
import type { Binding } from '../components/keys.js';
import { useScroll } from '../components/scrollState.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';
import { summaryLines } from './changeSummary.js';
import { useDiffState } from './useDiffState.js';

type Action = ListMove | 'next' | 'prev' | 'describe' | 'continue';

const BINDINGS: Binding<Action>[] = [
  { keys: ['n', 'right', 'l'], help: 'next event', action: 'next', footer: 2, group: 'event' },
  { keys: ['p', 'left', 'h'], help: 'previous event', action: 'prev', footer: 2, group: 'event' },
  ...scrollBindings({ footer: 2 }),
  { keys: ['tab', 'e'], help: 'description', action: 'describe', footer: 1 },
  { keys: ['enter'], help: 'confirm', action: 'continue', footer: 1 },
];

export function DiffScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: Plan } }) {
  const plan = route.plan;
  const { service } = services;
  const { state, dispatch, change } = useDiffState(service, plan);
  const { index, total, description, editing } = state;
  const initialDescription = plan.description === PENDING_DESCRIPTION ? '' : plan.description;
  const summary = useMemo(() => summaryLines(plan), [plan]);
  const diff = useMemo(
    () => (change ? lineDiff(change.before === null ? null : parseJson(change.before), change.after === null ? null : parseJson(change.after)) : []),
    [change],
  );
  const diffHeight = Math.max(3, height - 9);
  const lines = index < 0 ? summary.length : diff.length;
  const scroll = useScroll({ lines, room: diffHeight });

  const { sealing, describe } = useRedescribe(service, (flash) => dispatch({ type: 'flash', flash }));
  const proceed = (text: string) =>
    describe(
      plan,
      text,
      (described) => nav.push({ name: 'confirm', plan: described }),
      () => dispatch({ type: 'edit', editing: true }),
    );
  // Each event's diff starts at its top.
  const step = (by: 1 | -1) => {
    dispatch({ type: 'step', by });
    scroll.reset();
  };
  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    next: () => step(1),
    prev: () => step(-1),
    describe: () => dispatch({ type: 'edit', editing: true }),
    continue: () => (description.trim() ? proceed(description) : dispatch({ type: 'askDescription' })),
  };
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active,
    nav,
    // Keys typed after the description's enter wait for the confirm screen.
    busy: sealing,
    field: { open: editing, close: () => dispatch({ type: 'edit', editing: false }) },
    formKeys: formBindings({ enter: 'confirm' }),
    // A description typed here goes with this screen (the changes stay on the screen below).
    unsaved: description.trim() && description !== initialDescription ? 'the description' : null,
    onAction: (action) => {
      dispatch({ type: 'flash', flash: null });
      if (isListMove(action)) scroll.scroll(action);
      else void actions[action]();
    },
  });
  return (
    <Frame
      title={`evfix · diff · ${plan.stage}`}
      status={`${index < 0 ? 'summary' : `event ${index + 1}`}/${thousands(total)}${plan.counts.unchanged ? ` · ${plan.counts.unchanged} unchanged` : ''}`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={state.flash ?? (state.changeError ? { text: state.changeError, tone: 'danger' } : null)}
    >
      <Text wrap="truncate-end">
        {index < 0
          ? `${thousands(total)} event(s) ${plan.kind === 'insert' ? 'to add to' : 'to change in'} ${plan.stage}`
          : change
            ? `${change.event_id} @ ${change.event_created_at}${change.before === null ? ' (new event)' : change.after === null ? ' (out of the stage table)' : ''}${change.note ? ` · ${change.note}` : ''}`
            : total === 0
              ? 'No changes.'
              : 'reading the change…'}
      </Text>
      <Box height={diffHeight} flexDirection="column" overflow="hidden">
        {index < 0 ? (
          summary.slice(scroll.top, scroll.top + diffHeight).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line || ' '}
            </Text>
          ))
        ) : (
          <JsonDiffView lines={diff} offset={scroll.top} height={diffHeight} />
        )}
      </Box>
      <Text color={tone('muted')}>{lines > diffHeight ? `lines ${scroll.top + 1}-${Math.min(lines, scroll.top + diffHeight)} of ${lines}` : ' '}</Text>
      <TextField
        label="exception_description"
        value={description}
        onChange={(text) => dispatch({ type: 'typeDescription', text })}
        focus={active && editing}
        required
        placeholder="why is this changed? it is stored with every row"
        onSubmit={(v) => {
          dispatch({ type: 'edit', editing: false });
          proceed(v);
        }}
      />
    </Frame>
  );
}
