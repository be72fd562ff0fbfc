/**
 * Update the events a find selected: the changes (`s` set a path to a value of an explicit JSON type, `x`
 * remove a path), then enter makes the update plan over the selection and goes on to the diff, the
 * description and the confirm screen as any update does. The selection is a definition the warehouse
 * evaluates: every match of the conditions, or the marked events by key; the events never travel here.
 */
import { count } from '../components/unsavedWork.js';
import { Box, Text } from 'ink';
import { useCallback, useState } from 'react';
import { describeError } from '../data/errors.js';
import { applyEdits, describeEdit, type Edit } from '../data/json/edit.js';
import { normalizePath } from '../data/json/path.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { PENDING_DESCRIPTION, type SelectionInput } from '../data/operations/makePlan.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { typedPath, type ValueType } from './editForm.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { checkPath, SetPathForm, setFormFields } from './SetPathForm.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';
import { insideQuotedKey } from './validators.js';

export type UpdateSelectionRoute = {
  stage: string;
  selection: SelectionInput;
  /** The selection in words, for the operator: "every match of 2 condition(s)", "3 marked event(s)". */
  what: string;
  /** One selected event's event_data, to show what the changes do to a document. */
  example?: string;
};

type Mode = 'changes' | 'set' | 'remove';
type Action = 'set' | 'remove' | 'undo' | 'continue' | 'down' | 'up';

const BINDINGS: Binding<Action>[] = [
  { keys: ['s'], help: 'set', action: 'set', footer: 1 },
  { keys: ['x'], help: 'remove', action: 'remove', footer: 1 },
  { keys: ['u'], help: 'undo the last change', action: 'undo', footer: 3 },
  { keys: ['j', 'down'], help: 'scroll the example down', action: 'down' },
  { keys: ['k', 'up'], help: 'scroll the example up', action: 'up' },
  { keys: ['enter'], help: 'diff', action: 'continue', footer: 1 },
];


export function UpdateSelectionScreen({ route, active, width, height, nav, services }: ScreenProps & { route: UpdateSelectionRoute }) {
  const { service } = services;
  const stage = stageOf(services, route.stage);
  const [mode, setMode] = useState<Mode>('changes');
  const [edits, setEdits] = useState<Edit[]>([]);
  const [path, setPath] = useState('$.');
  const [valueType, setValueType] = useState<ValueType>('string');
  const [value, setValue] = useState('');
  const [field, setField] = useState(0);
  const [scroll, setScroll] = useState(0);
  const [flash, setFlash] = useState<Flash>(null);
  // Set by an esc that would drop changes: the next esc leaves, any other key cancels it.
  const planTask = useTask(
    useCallback(
      (changes: Edit[]) => service.call('makePlan', { op: 'update', stage: stage.name, selection: route.selection, edits: changes, description: PENDING_DESCRIPTION }),
      [service, stage, route.selection],
    ),
  );

  const addEdit = (edit: Edit) => {
    // The example is checked now; every other event is checked by the warehouse when the plan is made.
    try {
      if (route.example) applyEdits(parseJson(route.example), [...edits, edit]);
      setEdits((e) => [...e, edit]);
      setMode('changes');
      setFlash(null);
    } catch (error) {
      setFlash({ text: describeError(error), tone: 'danger' });
    }
  };

  const keysOn = active && planTask.task.status !== 'running';
  const fields = setFormFields(valueType);
  const onTab = (direction: 1 | -1) => setField((f) => (f + direction + fields) % fields);
  const formKeys =
    mode === 'set'
      ? formBindings({ enter: field === 2 || (field === 1 && valueType === 'null') ? 'add the change' : 'next field', fields: true, choice: field === 1 ? 'type' : undefined })
      : formBindings({ enter: 'remove this path' });
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: keysOn,
    nav,
    keysEnabled: mode === 'changes',
    formKeys,
    unsaved: edits.length ? count(edits.length, 'change') : null,
    onBack: () => {
      if (mode !== 'changes') {
        setMode('changes');
        return true;
      }
      // Changes are work: leaving asks first (the `unsaved` question, as every screen's).
      return false;
    },
    onAction: async (action) => {
      setFlash(null);
      // Each form opens fresh: what was typed for the last change would be appended to, not replaced.
      if (action === 'set') setMode('set'), setField(0), setPath('$.'), setValue('');
      else if (action === 'remove') setMode('remove'), setPath('$.');
      else if (action === 'undo') setEdits((e) => e.slice(0, -1));
      else if (action === 'down') setScroll((s) => s + 1);
      else if (action === 'up') setScroll((s) => Math.max(0, s - 1));
      else if (action === 'continue') {
        if (!edits.length) return setFlash({ text: 'describe a change first (s sets a path, x removes one)', tone: 'warn' });
        const plan = await planTask.run(edits);
        if (plan) nav.push({ name: 'diff', plan });
      }
    },
  });

  let form = null;
  if (mode === 'set') {
    form = (
      <SetPathForm path={path} onPath={setPath} valueType={valueType} onValueType={setValueType} value={value} onValue={setValue} field={field} onField={setField} onTab={onTab} keysOn={keysOn} onSet={addEdit} />
    );
  } else if (mode === 'remove') {
    form = <TextField label="remove path" value={path} onChange={setPath} validate={checkPath} freeText={insideQuotedKey} focus={keysOn} onSubmit={(p) => addEdit({ op: 'remove', path: normalizePath(typedPath(p)) })} />;
  }

  let example: string[] = [];
  if (route.example) {
    try {
      example = prettyJson(applyEdits(parseJson(route.example), edits)).split('\n');
    } catch {
      example = [];
    }
  }
  const exampleHeight = Math.max(2, height - 3 - 2 - edits.length - (form ? 5 : 0) - 1);
  const failure: Flash = planTask.task.status === 'failed' ? { text: planTask.task.message, tone: 'danger' } : null;
  return (
    <Frame title={`evfix · update found events · ${stage.name}`} status={`${edits.length} change(s)`} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? failure}>
      <Text wrap="truncate-end">{route.what}</Text>
      {edits.length ? null : <Text color={tone('muted')}>No change yet: s sets a path, x removes one.</Text>}
      {edits.map((e, i) => (
        <Text key={i} color={tone('accent')} wrap="truncate-end">
          {'  '}
          {i + 1}. {describeEdit(e)}
        </Text>
      ))}
      {form}
      {planTask.task.status === 'running' ? <ProgressLine label="making the plan" startedAt={planTask.task.startedAt} /> : null}
      {example.length ? (
        <Box flexDirection="column" height={exampleHeight} overflow="hidden">
          <Text color={tone('muted')}>{edits.length ? 'one of them after the changes' : 'one of them now'}:</Text>
          {example.slice(scroll, scroll + exampleHeight - 1).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Frame>
  );
}
