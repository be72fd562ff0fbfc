/**
 * Diff: before and after of every event the plan changes, one at a time, and
 * the exception_description the rows will carry (required).
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { lineDiff } from '../data/json/diff.js';
import { parseJson } from '../data/json/value.js';
import { describeError } from '../data/errors.js';
import type { Change } from '../data/plan.js';
import type { PlanRef } from '../data/plans/planRef.js';
import { PENDING_DESCRIPTION } from '../data/operations/redescribe.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import { JsonDiffView } from '../components/JsonDiffView.js';
import type { Binding } from '../components/keys.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';

type Action = 'next' | 'prev' | 'down' | 'up' | 'describe' | 'continue';

const BINDINGS: Binding<Action>[] = [
  { keys: ['n', 'right', 'l'], help: 'next event', action: 'next', footer: 2, group: 'event' },
  { keys: ['p', 'left', 'h'], help: 'previous event', action: 'prev', footer: 2, group: 'event' },
  { keys: ['j', 'down'], help: 'scroll down', action: 'down', footer: 2, group: 'scroll' },
  { keys: ['k', 'up'], help: 'scroll up', action: 'up', footer: 2, group: 'scroll' },
  { keys: ['tab', 'e'], help: 'description', action: 'describe', footer: 1 },
  { keys: ['enter'], help: 'confirm', action: 'continue', footer: 1 },
];

export function DiffScreen({ route, active, width, height, nav }: ScreenProps & { route: { plan: PlanRef } }) {
  const plan = route.plan;
  const { info } = plan;
  const [index, setIndex] = useState(0);
  const [scroll, setScroll] = useState(0);
  const [description, setDescription] = useState(info.description === PENDING_DESCRIPTION ? '' : info.description);
  // The diff is read first; enter (or tab) then moves to the description.
  const [editing, setEditing] = useState(false);
  const [flash, setFlash] = useState<Flash>(null);
  // One change at a time, asked of wherever the plan is kept; the one on screen stays until the next arrives.
  const [shown, setShown] = useState<{ index: number; change: Change | undefined } | undefined>();
  const [changeError, setChangeError] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    plan.change(index).then(
      (change) => {
        if (!current) return;
        setShown({ index, change });
        setChangeError(undefined);
      },
      (error: unknown) => current && setChangeError(describeError(error)),
    );
    return () => {
      current = false;
    };
  }, [plan, index]);
  const change = shown?.change;
  const diff = useMemo(() => (change ? lineDiff(change.before === null ? null : parseJson(change.before), parseJson(change.after)) : []), [change]);
  const diffHeight = Math.max(3, height - 9);

  const { sealing, describe } = useRedescribe(setFlash);
  const proceed = (text: string) =>
    describe(
      plan,
      text,
      (described) => nav.push({ name: 'confirm', plan: described }),
      () => setEditing(true),
    );
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active,
    nav,
    // Keys typed after the description's enter wait for the confirm screen.
    busy: sealing,
    field: { open: editing, close: () => setEditing(false) },
    formKeys: formBindings({ enter: 'confirm' }),
    onAction: (action) => {
      setFlash(null);
      const count = info.changes;
      if (action === 'next') setIndex((i) => Math.min(count - 1, i + 1)), setScroll(0);
      else if (action === 'prev') setIndex((i) => Math.max(0, i - 1)), setScroll(0);
      else if (action === 'down') setScroll((s) => Math.min(s + 1, Math.max(0, diff.length - diffHeight)));
      else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
      else if (action === 'describe') setEditing(true);
      else if (action === 'continue') {
        if (description.trim()) proceed(description);
        else setEditing(true), setFlash({ text: 'write a description first: it is stored with every row', tone: 'warn' });
      }
    },
  });
  return (
    <Frame
      title={`evfix · diff · ${info.stage}`}
      status={`event ${(shown?.index ?? index) + 1}/${info.changes}${info.skipped ? ` · ${info.skipped} unchanged` : ''}`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={flash ?? (changeError ? { text: changeError, tone: 'danger' } : null)}
    >
      <Text wrap="truncate-end">
        {change ? `${change.event_id} @ ${change.event_created_at}${change.before === null ? ' (new event)' : ''}` : shown || info.changes === 0 ? 'No changes.' : 'reading the change…'}
      </Text>
      <Box height={diffHeight} flexDirection="column" overflow="hidden">
        <JsonDiffView lines={diff} offset={scroll} height={diffHeight} />
      </Box>
      <Text color={tone('muted')}>{diff.length > diffHeight ? `lines ${scroll + 1}-${Math.min(diff.length, scroll + diffHeight)} of ${diff.length}` : ' '}</Text>
      <TextField
        label="exception_description"
        value={description}
        onChange={setDescription}
        focus={active && editing}
        required
        placeholder="why is this changed? (stored with the rows)"
        onSubmit={(v) => {
          setEditing(false);
          proceed(v);
        }}
      />
    </Frame>
  );
}
