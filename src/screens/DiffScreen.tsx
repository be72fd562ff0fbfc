/**
 * Diff: the summary of the changes first, then the before and after of every event the plan changes, one at a
 * time (the first from the plan's sample, later ones read from the warehouse as they are paged to), and the
 * exception_description the rows will carry (required).
 */
import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { lineDiff } from '../data/json/diff.js';
import { parseJson } from '../data/json/value.js';
import { describeError } from '../data/errors.js';
import { changeCount, type Change, type Plan } from '../data/plan.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import { JsonDiffView } from '../components/JsonDiffView.js';
import type { Binding } from '../components/keys.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import type { ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useRedescribe } from './useRedescribe.js';
import { summaryLines } from './changeSummary.js';

type Action = 'next' | 'prev' | 'down' | 'up' | 'describe' | 'continue';

const BINDINGS: Binding<Action>[] = [
  { keys: ['n', 'right', 'l'], help: 'next event', action: 'next', footer: 2, group: 'event' },
  { keys: ['p', 'left', 'h'], help: 'previous event', action: 'prev', footer: 2, group: 'event' },
  { keys: ['j', 'down'], help: 'scroll down', action: 'down', footer: 2, group: 'scroll' },
  { keys: ['k', 'up'], help: 'scroll up', action: 'up', footer: 2, group: 'scroll' },
  { keys: ['tab', 'e'], help: 'description', action: 'describe', footer: 1 },
  { keys: ['enter'], help: 'confirm', action: 'continue', footer: 1 },
];

/** Changes read per page past the plan's own sample. */
const PAGE = 50;

export function DiffScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { plan: Plan } }) {
  const plan = route.plan;
  const info = plan;
  const { service } = services;
  const total = changeCount(plan);
  // -1 is the summary page, shown first; 0.. are the changes.
  const [index, setIndex] = useState(-1);
  const [scroll, setScroll] = useState(0);
  const initialDescription = info.description === PENDING_DESCRIPTION ? '' : info.description;
  const [description, setDescription] = useState(initialDescription);
  // The diff is read first; enter (or tab) then moves to the description.
  const [editing, setEditing] = useState(false);
  const [flash, setFlash] = useState<Flash>(null);
  // The changes read so far, in order: the plan's sample, then pages read as the operator gets to them.
  const [loaded, setLoaded] = useState<Change[]>(plan.sample);
  const [changeError, setChangeError] = useState<string | undefined>();
  useEffect(() => {
    if (index < loaded.length || loaded.length >= total) return;
    let current = true;
    const last = loaded[loaded.length - 1];
    service.call('planChanges', { plan: plan.id, after: last ? { event_created_at: last.event_created_at, event_id: last.event_id } : undefined, limit: PAGE }).then(
      (page) => {
        if (!current) return;
        setLoaded((l) => [...l, ...page]);
        setChangeError(page.length ? undefined : 'no more changes: the warehouse changed since the plan was made (apply will say so)');
      },
      (error: unknown) => current && setChangeError(describeError(error)),
    );
    return () => {
      current = false;
    };
  }, [plan, index, loaded, total, service]);
  const change = index >= 0 ? loaded[index] : undefined;
  const summary = useMemo(() => summaryLines(plan), [plan]);
  const shown = change ? { index, change } : undefined;
  const diff = useMemo(
    () => (change ? lineDiff(change.before === null ? null : parseJson(change.before), change.after === null ? null : parseJson(change.after)) : []),
    [change],
  );
  const diffHeight = Math.max(3, height - 9);

  const { sealing, describe } = useRedescribe(service, setFlash);
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
    // A description typed here goes with this screen (the changes stay on the screen below).
    unsaved: description.trim() && description !== initialDescription ? 'the description' : null,
    onAction: (action) => {
      setFlash(null);
      const count = total;
      if (action === 'next') setIndex((i) => Math.min(count - 1, i + 1)), setScroll(0);
      else if (action === 'prev') setIndex((i) => Math.max(-1, i - 1)), setScroll(0);
      else if (action === 'down') setScroll((s) => Math.min(s + 1, Math.max(0, (index < 0 ? summary.length : diff.length) - diffHeight)));
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
      status={`${index < 0 ? 'summary' : `event ${(shown?.index ?? index) + 1}`}/${total.toLocaleString('en-US')}${info.counts.unchanged ? ` · ${info.counts.unchanged} unchanged` : ''}`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={flash ?? (changeError ? { text: changeError, tone: 'danger' } : null)}
    >
      <Text wrap="truncate-end">
        {index < 0 ? `${total.toLocaleString('en-US')} event(s) ${info.kind === 'insert' ? 'to add to' : 'to change in'} ${info.stage}` : change ? `${change.event_id} @ ${change.event_created_at}${change.before === null ? ' (new event)' : change.after === null ? ' (out of the stage table)' : ''}${change.note ? ` · ${change.note}` : ''}` : total === 0 ? 'No changes.' : 'reading the change…'}
      </Text>
      <Box height={diffHeight} flexDirection="column" overflow="hidden">
        {index < 0 ? (
          summary.slice(scroll, scroll + diffHeight).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line || ' '}
            </Text>
          ))
        ) : (
          <JsonDiffView lines={diff} offset={scroll} height={diffHeight} />
        )}
      </Box>
      <Text color={tone('muted')}>
        {(index < 0 ? summary.length : diff.length) > diffHeight
          ? `lines ${scroll + 1}-${Math.min(index < 0 ? summary.length : diff.length, scroll + diffHeight)} of ${index < 0 ? summary.length : diff.length}`
          : ' '}
      </Text>
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
