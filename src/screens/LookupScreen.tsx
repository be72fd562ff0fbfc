/**
 * Event lookup and edit: find events by event_id (+ event_created_at), see
 * the version the stage table shows, and describe the change: `set PATH =
 * value` with its JSON type chosen explicitly, `remove PATH`, or the whole
 * document in $EDITOR. Several events can take the same change.
 */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../data/errors.js';
import { applyEdits, describeEdit, editsBetween, type Edit } from '../data/json/edit.js';
import { normalizePath } from '../data/json/path.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { keyOf, parseEventId, type EffectiveEvent, type EventKey } from '../data/model.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { canonicalTimestamp } from '../data/timestamp.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { count } from '../components/unsavedWork.js';
import { typedPath, type ValueType } from './editForm.js';
import { insideQuotedKey, validateEventId, validateTimestamp } from './validators.js';

import { stageOf, type ScreenProps } from './navigation.js';
import { checkPath, SetPathForm, setFormFields } from './SetPathForm.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

type Mode = 'find' | 'edit' | 'set' | 'remove';
type Action = 'set' | 'remove' | 'editor' | 'add' | 'undo' | 'continue' | 'down' | 'up';

const EDIT_BINDINGS: Binding<Action>[] = [
  { keys: ['s'], help: 'set', action: 'set', footer: 1 },
  { keys: ['x'], help: 'remove', action: 'remove', footer: 1 },
  { keys: ['e'], help: '$EDITOR', action: 'editor', footer: 1 },
  { keys: ['a'], help: 'add event', action: 'add', footer: 1 },
  { keys: ['u'], help: 'undo the last change', action: 'undo', footer: 4 },
  { keys: ['j', 'down'], help: 'scroll the document down', action: 'down' },
  { keys: ['k', 'up'], help: 'scroll the document up', action: 'up' },
  { keys: ['enter'], help: 'diff', action: 'continue', footer: 1 },
];

/** Lines starting with // are evfix's notes in the editor file; they are not part of the document. */
const stripNotes = (text: string) => text.split('\n').filter((l) => !l.startsWith('//')).join('\n');

export function LookupScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string; event?: EventKey } }) {
  const { service, editText } = services;
  const stage = stageOf(services, route.stage);
  const [mode, setMode] = useState<Mode>('find');
  // Opened on an event (from the find-events list): its keys stand typed, and it is looked up at once.
  const [eventId, setEventId] = useState(route.event?.event_id ?? '');
  const [createdAt, setCreatedAt] = useState(route.event?.event_created_at ?? '');
  const [field, setField] = useState(0);
  const [targets, setTargets] = useState<EffectiveEvent[]>([]);
  const [edits, setEdits] = useState<Edit[]>([]);
  const [path, setPath] = useState('$.');
  const [valueType, setValueType] = useState<ValueType>('string');
  const [value, setValue] = useState('');
  const [scroll, setScroll] = useState(0);
  const [flash, setFlash] = useState<Flash>(null);

  const find = useCallback(
    async (id: string, at: string) => {
      const found = await service.call('lookup', { eventId: parseEventId(id), createdAt: at ? canonicalTimestamp(at, 'event_created_at') : undefined });
      if (!found.originals.length && !found.exceptions.length) throw new Error(`no rows for event ${id}${at ? ` created at ${at}` : ''}`);
      const shown = found.effective.filter((e) => e.event_name === stage.event_name);
      if (!found.effective.length) throw new Error(`event ${id} is excluded (every copy): the stage table does not show it, so there is nothing to update`);
      if (!shown.length) throw new Error(`event ${id} is a ${found.effective[0]!.event_name} event, not ${stage.event_name}`);
      // An unresolved duplicate shows several copies; an update edits the version the stage would keep.
      return shown.find((e) => e.source === 'exception') ?? shown[0]!;
    },
    [service, stage],
  );
  const lookup = useTask(find);
  const planTask = useTask(
    useCallback(
      () =>
        service.call('makePlan', {
          op: 'update',
          stage: stage.name,
          selection: { keys: targets.map((t) => ({ event_id: t.event_id, event_created_at: t.event_created_at })) },
          edits,
          description: PENDING_DESCRIPTION,
        }),
      [service, stage, targets, edits],
    ),
  );

  const submitFind = async () => {
    if (validateEventId(eventId) || (createdAt && validateTimestamp(createdAt))) return;
    const event = await lookup.run(eventId, createdAt);
    if (!event) return;
    if (targets.some((t) => keyOf(t) === keyOf(event))) setFlash({ text: 'that event is already in the list', tone: 'warn' });
    else setTargets((t) => [...t, event]);
    setEventId('');
    setCreatedAt('');
    setField(0);
    setMode('edit');
  };

  // Once, with the keys the route gave.
  useEffect(() => void (route.event && submitFind()), []);

  const addEdits = (added: Edit[]) => {
    // Check the change against every chosen event now, not at the diff.
    try {
      for (const t of targets) applyEdits(parseJson(t.event_data), [...edits, ...added]);
      setEdits((e) => [...e, ...added]);
      setMode('edit');
      setFlash(null);
    } catch (error) {
      setFlash({ text: describeError(error), tone: 'danger' });
    }
  };

  const openEditor = async () => {
    const first = targets[0];
    if (!first) return;
    const current = applyEdits(parseJson(first.event_data), edits);
    let text = prettyJson(current) + '\n';
    let note = `// Edit event_data of ${first.event_id}; save and quit to continue. Lines starting with // are ignored.\n`;
    for (;;) {
      const saved = await editText(note + text, '.json');
      try {
        const after = parseJson(stripNotes(saved), 'edited document');
        const derived = editsBetween(current, after);
        if (!derived.length) return setFlash({ text: 'the document was not changed', tone: 'warn' });
        return addEdits(derived);
      } catch (error) {
        text = stripNotes(saved);
        note = `// ${describeError(error)}\n// Fix it, or empty the file to give up.\n`;
        if (!text.trim()) return setFlash({ text: 'editing abandoned', tone: 'warn' });
      }
    }
  };

  const keysEnabled = mode === 'edit';
  // While the event is looked up or the plan made, keys typed ahead wait for the screen that follows.
  const keysOn = active && planTask.task.status !== 'running' && lookup.task.status !== 'running';
  // tab / shift-tab between the form's fields: event_id and event_created_at; or path, type and value.
  const fields = mode === 'find' ? 2 : mode === 'set' ? setFormFields(valueType) : 1;
  const onTab = (direction: 1 | -1) => setField((f) => (f + direction + fields) % fields);
  const formKeys =
    mode === 'find'
      ? formBindings({ enter: field === 0 ? 'next field' : 'look the event up', fields: true })
      : mode === 'set'
        ? formBindings({ enter: field === 2 || (field === 1 && valueType === 'null') ? 'add the change' : 'next field', fields: true, choice: field === 1 ? 'type' : undefined })
        : formBindings({ enter: 'remove this path' });
  const { helpOpen, bindings } = useScreen({
    bindings: EDIT_BINDINGS,
    active: keysOn,
    nav,
    keysEnabled,
    formKeys,
    // The changes described so far are lost by leaving (or quitting): esc and q ask first.
    unsaved: edits.length ? count(edits.length, 'change') : null,
    onBack: () => {
      if (mode === 'edit' || (mode === 'find' && targets.length === 0)) return false;
      setMode(targets.length ? 'edit' : 'find');
      return true;
    },
    onAction: async (action) => {
      setFlash(null);
      // Each form opens fresh: what was typed for the last edit would be appended to, not replaced.
      if (action === 'set') setMode('set'), setField(0), setPath('$.'), setValue('');
      else if (action === 'remove') setMode('remove'), setPath('$.');
      else if (action === 'add') setMode('find'), setField(0);
      else if (action === 'undo') setEdits((e) => e.slice(0, -1));
      else if (action === 'editor') await openEditor();
      else if (action === 'down') setScroll((s) => s + 1);
      else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
      else if (action === 'continue') {
        if (!edits.length) return setFlash({ text: 'describe a change first (s, x or e)', tone: 'warn' });
        const plan = await planTask.run();
        if (plan) nav.push({ name: 'diff', plan });
      }
    },
  });

  const preview = targets[0] ? (() => {
    try {
      return prettyJson(applyEdits(parseJson(targets[0]!.event_data), edits)).split('\n');
    } catch {
      return [];
    }
  })() : [];
  const bodyHeight = height - 3;
  let form = null;
  if (mode === 'find') {
    form = (
      <Box flexDirection="column">
        <TextField label="event_id" value={eventId} onChange={setEventId} validate={validateEventId} freeText={false} onTab={onTab} focus={keysOn && field === 0} onSubmit={() => setField(1)} placeholder="8-4-4-4-12 hex UUID" />
        <TextField label="event_created_at" value={createdAt} onChange={setCreatedAt} validate={validateTimestamp} freeText={false} onTab={onTab} focus={keysOn && field === 1} onSubmit={() => void submitFind()} placeholder="optional, e.g. 2024-02-03 15:38:21.224000" hint="enter looks the event up; tab switches fields" />
        {lookup.task.status === 'running' ? <ProgressLine label="looking up" startedAt={lookup.task.startedAt} /> : null}
        {lookup.task.status === 'failed' ? <Text color={tone('danger')} wrap="wrap">! {lookup.task.message}</Text> : null}
      </Box>
    );
  } else if (mode === 'set') {
    form = (
      <SetPathForm path={path} onPath={setPath} valueType={valueType} onValueType={setValueType} value={value} onValue={setValue} field={field} onField={setField} keysOn={keysOn} onSet={(edit) => addEdits([edit])} />
    );
  } else if (mode === 'remove') {
    form = <TextField label="remove path" value={path} onChange={setPath} validate={checkPath} freeText={insideQuotedKey} focus={keysOn} onSubmit={(p) => addEdits([{ op: 'remove', path: normalizePath(typedPath(p)) }])} />;
  }
  const docHeight = Math.max(2, bodyHeight - 4 - edits.length - (form ? 4 : 0));
  return (
    <Frame title={`evfix · update event data · ${stage.name}`} status={`${targets.length} event(s) · ${edits.length} change(s)`} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? (planTask.task.status === 'failed' ? { text: planTask.task.message, tone: 'danger' } : null)}>
      {targets.length ? (
        <Text wrap="truncate-end">
          {targets.length === 1 ? `${targets[0]!.event_id} @ ${targets[0]!.event_created_at} (${targets[0]!.source})` : `${targets.length} events: ${targets.map((t) => t.event_id.slice(0, 8)).join(', ')}`}
        </Text>
      ) : (
        <Text color={tone('muted')}>Find the event to change.</Text>
      )}
      {edits.map((e, i) => (
        <Text key={i} color={tone('accent')} wrap="truncate-end">
          {'  '}
          {i + 1}. {describeEdit(e)}
        </Text>
      ))}
      {form}
      {targets.length ? (
        <Box flexDirection="column" height={docHeight} overflow="hidden">
          <Text color={tone('muted')}>{edits.length ? 'after the changes' : 'event_data now'}{targets.length > 1 ? ' (first event)' : ''}:</Text>
          {preview.slice(scroll, scroll + docHeight - 1).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Frame>
  );
}
