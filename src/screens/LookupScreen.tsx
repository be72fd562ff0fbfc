/**
 * Event lookup and edit: find events by event_id (+ event_created_at), see
 * the version the stage table shows, and describe the change: `set PATH =
 * value` with its JSON type chosen explicitly, `remove PATH`, or the whole
 * document in $EDITOR. Several events can take the same change.
 *
 * The state and its work are useLookupState's; this file is the keys and the view.
 */
import { Box, Text } from 'ink';
import { describeEdit } from '../data/json/edit.js';
import type { EventKey } from '../data/model.js';
import { formBindings, isListMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { useScroll } from '../components/scrollState.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { count } from '../components/unsavedWork.js';
import { changeFormKeys, firstAfter } from './changesState.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { ChangeForm } from './SetPathForm.js';
import { closesForm, formOf, useLookupState } from './useLookupState.js';
import { useScreen } from './useScreen.js';
import { validateEventId, validateTimestamp } from './validators.js';

type Action = ListMove | 'set' | 'remove' | 'editor' | 'add' | 'undo' | 'continue';

const EDIT_BINDINGS: Binding<Action>[] = [
  { keys: ['s'], help: 'set', action: 'set', footer: 1 },
  { keys: ['x'], help: 'remove', action: 'remove', footer: 1 },
  { keys: ['e'], help: '$EDITOR', action: 'editor', footer: 1 },
  { keys: ['a'], help: 'add event', action: 'add', footer: 1 },
  { keys: ['u'], help: 'undo the last change', action: 'undo', footer: 4 },
  ...scrollBindings({ what: 'the document' }),
  { keys: ['enter'], help: 'diff', action: 'continue', footer: 1 },
];

export function LookupScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string; event?: EventKey } }) {
  const stage = stageOf(services, route.stage);
  const { state, dispatch, change, lookup, planning, find, editDocument, plan } = useLookupState({
    service: services.service,
    stage,
    editText: services.editText,
    event: route.event,
  });
  const { targets, keyField, changes } = state;
  const { edits } = changes;
  const form = formOf(state);
  // While the event is looked up or the plan made, keys typed ahead wait for the screen that follows.
  const keysOn = active && planning.status !== 'running' && lookup.status !== 'running';

  const preview = firstAfter(changes);
  const docHeight = Math.max(2, height - 3 - 4 - edits.length - (form !== 'changes' ? 4 : 0));
  const doc = useScroll({ lines: preview.length, room: docHeight - 1 });

  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    set: () => change({ type: 'openSet' }),
    remove: () => change({ type: 'openRemove' }),
    add: () => dispatch({ type: 'openFind' }),
    undo: () => change({ type: 'undo' }),
    editor: editDocument,
    continue: async () => {
      const made = await plan();
      if (made) nav.push({ name: 'diff', plan: made });
    },
  };
  const { helpOpen, bindings } = useScreen({
    bindings: EDIT_BINDINGS,
    active: keysOn,
    nav,
    keysEnabled: form === 'changes',
    formKeys: form === 'find' ? formBindings({ enter: keyField === 0 ? 'next field' : 'look the event up', fields: true }) : changeFormKeys(changes),
    // The changes described so far are lost by leaving (or quitting): esc and q ask first.
    unsaved: edits.length ? count(edits.length, 'change') : null,
    onBack: () => {
      if (!closesForm(state)) return false;
      dispatch({ type: 'closeForm' });
      return true;
    },
    onAction: (action) => {
      change({ type: 'flash', flash: null });
      if (isListMove(action)) doc.scroll(action);
      else void actions[action]();
    },
  });

  const onTab = (direction: 1 | -1) => dispatch({ type: 'tabKey', direction });
  const first = targets[0];
  return (
    <Frame
      title={`evfix · update event data · ${stage.name}`}
      status={`${targets.length} event(s) · ${edits.length} change(s)`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={changes.flash ?? (planning.status === 'failed' ? { text: planning.message, tone: 'danger' } : null)}
    >
      {first ? (
        <Text wrap="truncate-end">
          {targets.length === 1
            ? `${first.event_id} @ ${first.event_created_at} (${first.source})`
            : `${targets.length} events: ${targets.map((t) => t.event_id.slice(0, 8)).join(', ')}`}
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
      {form === 'find' ? (
        <Box flexDirection="column">
          <TextField
            label="event_id"
            value={state.eventId}
            onChange={(text) => dispatch({ type: 'typeKey', field: 'eventId', text })}
            validate={validateEventId}
            freeText={false}
            onTab={onTab}
            focus={keysOn && keyField === 0}
            onSubmit={() => dispatch({ type: 'focusKey', field: 1 })}
            placeholder="8-4-4-4-12 hex UUID"
          />
          <TextField
            label="event_created_at"
            value={state.createdAt}
            onChange={(text) => dispatch({ type: 'typeKey', field: 'createdAt', text })}
            validate={validateTimestamp}
            freeText={false}
            onTab={onTab}
            focus={keysOn && keyField === 1}
            onSubmit={() => void find()}
            placeholder="optional, e.g. 2024-02-03 15:38:21.224000"
            hint="enter looks the event up; tab switches fields"
          />
          {lookup.status === 'running' ? <ProgressLine label="looking up" startedAt={lookup.startedAt} /> : null}
          {lookup.status === 'failed' ? (
            <Text color={tone('danger')} wrap="wrap">
              ! {lookup.message}
            </Text>
          ) : null}
        </Box>
      ) : (
        <ChangeForm state={changes} dispatch={change} keysOn={keysOn} />
      )}
      {first ? (
        <Box flexDirection="column" height={docHeight} overflow="hidden">
          <Text color={tone('muted')}>
            {edits.length ? 'after the changes' : 'event_data now'}
            {targets.length > 1 ? ' (first event)' : ''}:
          </Text>
          {preview.slice(doc.top, doc.top + docHeight - 1).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Frame>
  );
}
