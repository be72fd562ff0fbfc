/**
 * The set form of both update screens (one event, and events found by their contents): the path, its JSON type,
 * the value. Enter on the path goes straight to the value, so "path⏎value⏎" adds a string; tab reaches the
 * type. `onSet` is given the edit only when the path and the value are valid.
 */
import { Box, Text } from 'ink';
import type { Edit } from '../data/json/edit.js';
import { normalizePath } from '../data/json/path.js';
import { ChoiceField } from '../components/ChoiceField.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { typedPath, typedValue, VALUE_TYPES, type ValueType } from './editForm.js';
import { insideQuotedKey, validatePath } from './validators.js';
import type { ChangesAction, ChangesState } from './changesState.js';

export const checkPath = (p: string) => validatePath(typedPath(p));

/** The edit a set form makes. */
export const setEditOf = (path: string, json: string): Edit => ({ op: 'set', path: normalizePath(typedPath(path)), value: json, createIfMissing: true });

/** Fields of the set form: the value field goes when the type is null. */
export const setFormFields = (valueType: ValueType) => (valueType === 'null' ? 2 : 3);

export function SetPathForm(props: {
  path: string;
  onPath: (path: string) => void;
  valueType: ValueType;
  onValueType: (type: ValueType) => void;
  value: string;
  onValue: (value: string) => void;
  field: number;
  onField: (field: number) => void;
  /** tab (1) or shift-tab (-1) in one of the fields. */
  onTab: (direction: 1 | -1) => void;
  keysOn: boolean;
  onSet: (edit: Edit) => void;
}) {
  const { path, valueType, field, keysOn } = props;
  const typed = typedValue(valueType, props.value);
  const { onTab } = props;
  const set = (json: string) => !checkPath(path) && props.onSet(setEditOf(path, json));
  return (
    <Box flexDirection="column">
      <TextField
        label="path"
        value={path}
        onChange={props.onPath}
        validate={checkPath}
        freeText={insideQuotedKey}
        onTab={onTab}
        focus={keysOn && field === 0}
        onSubmit={() => props.onField(valueType === 'null' ? 1 : 2)}
        hint="enter goes to the value; tab to its JSON type"
      />
      <ChoiceField
        label="type"
        options={VALUE_TYPES}
        value={valueType}
        onChange={props.onValueType}
        focus={keysOn && field === 1}
        onTab={onTab}
        onSubmit={(t) => (t === 'null' ? set('null') : props.onField(2))}
        hint="←/→ or space change the type; enter goes on"
      />
      {valueType === 'null' ? null : (
        <TextField
          label={`value (${valueType})`}
          value={props.value}
          onChange={props.onValue}
          validate={() => ('error' in typed ? typed.error : undefined)}
          focus={keysOn && field === 2}
          freeText={valueType === 'string' || valueType === 'json'}
          onTab={onTab}
          onSubmit={() => 'json' in typed && set(typed.json)}
          hint={`${valueType === 'string' ? 'typed as text, no quotes needed' : 'enter adds the change'}; shift-tab changes the type`}
        />
      )}
      {valueType === 'null' && field === 1 ? <Text color={tone('muted')}>enter adds: set {path} = null</Text> : null}
    </Box>
  );
}

/** The form of the changes' state that is open (set or remove), wired to its actions; nothing on the list. */
export function ChangeForm({ state, dispatch, keysOn }: { state: ChangesState; dispatch: (action: ChangesAction) => void; keysOn: boolean }) {
  const typePath = (text: string) => dispatch({ type: 'type', field: 'path', text });
  if (state.mode === 'set') {
    return (
      <SetPathForm
        path={state.path}
        onPath={typePath}
        valueType={state.valueType}
        onValueType={(valueType) => dispatch({ type: 'chooseType', valueType })}
        value={state.value}
        onValue={(text) => dispatch({ type: 'type', field: 'value', text })}
        field={state.field}
        onField={(field) => dispatch({ type: 'focus', field })}
        onTab={(direction) => dispatch({ type: 'tab', direction })}
        keysOn={keysOn}
        onSet={(edit) => dispatch({ type: 'addEdits', edits: [edit] })}
      />
    );
  }
  if (state.mode === 'remove') {
    return (
      <TextField
        label="remove path"
        value={state.path}
        onChange={typePath}
        validate={checkPath}
        freeText={insideQuotedKey}
        focus={keysOn}
        onSubmit={(p) => dispatch({ type: 'addEdits', edits: [{ op: 'remove', path: normalizePath(typedPath(p)) }] })}
      />
    );
  }
  return null;
}
