/**
 * Update the events a find selected: the changes (`s` set a path to a value of an explicit JSON type, `x`
 * remove a path), then enter makes the update plan over the selection and goes on to the diff, the
 * description and the confirm screen as any update does. The selection is a definition the warehouse
 * evaluates: every match of the conditions, or the marked events by key; the events never travel here.
 */
import { Box, Text } from 'ink';
import { describeEdit } from '../data/json/edit.js';
import type { SelectionInput } from '../data/operations/makePlan.js';
import { isListMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { useScroll } from '../components/scrollState.js';
import { tone } from '../components/theme.js';
import { count } from '../components/unsavedWork.js';
import { changeFormKeys, firstAfter } from './changesState.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { ChangeForm } from './SetPathForm.js';
import { useScreen } from './useScreen.js';
import { useUpdateSelectionState } from './useUpdateSelectionState.js';

export type UpdateSelectionRoute = {
  stage: string;
  selection: SelectionInput;
  /** The selection in words, for the operator: "every match of 2 condition(s)", "3 marked event(s)". */
  what: string;
  /** One selected event's event_data, to show what the changes do to a document. */
  example?: string;
};

type Action = ListMove | 'set' | 'remove' | 'undo' | 'continue';

const BINDINGS: Binding<Action>[] = [
  { keys: ['s'], help: 'set', action: 'set', footer: 1 },
  { keys: ['x'], help: 'remove', action: 'remove', footer: 1 },
  { keys: ['u'], help: 'undo the last change', action: 'undo', footer: 3 },
  ...scrollBindings({ what: 'the example' }),
  { keys: ['enter'], help: 'diff', action: 'continue', footer: 1 },
];

export function UpdateSelectionScreen({ route, active, width, height, nav, services }: ScreenProps & { route: UpdateSelectionRoute }) {
  const stage = stageOf(services, route.stage);
  const { state, dispatch, planning, plan } = useUpdateSelectionState(services.service, stage, route.selection, route.example);
  const { mode, edits } = state;
  const keysOn = active && planning.status !== 'running';

  const example = firstAfter(state);
  const exampleHeight = Math.max(2, height - 3 - 2 - edits.length - (mode !== 'changes' ? 5 : 0) - 1);
  const scroll = useScroll({ lines: example.length, room: exampleHeight - 1 });

  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    set: () => dispatch({ type: 'openSet' }),
    remove: () => dispatch({ type: 'openRemove' }),
    undo: () => dispatch({ type: 'undo' }),
    continue: async () => {
      const made = await plan();
      if (made) nav.push({ name: 'diff', plan: made });
    },
  };
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: keysOn,
    nav,
    keysEnabled: mode === 'changes',
    formKeys: changeFormKeys(state),
    unsaved: edits.length ? count(edits.length, 'change') : null,
    // A form closes back to the changes; from the changes, leaving asks first (the `unsaved` question, as every screen's).
    onBack: () => {
      if (mode === 'changes') return false;
      dispatch({ type: 'closeForm' });
      return true;
    },
    onAction: (action) => {
      dispatch({ type: 'flash', flash: null });
      if (isListMove(action)) scroll.scroll(action);
      else void actions[action]();
    },
  });

  const failure: Flash = planning.status === 'failed' ? { text: planning.message, tone: 'danger' } : null;
  return (
    <Frame
      title={`evfix · update found events · ${stage.name}`}
      status={`${edits.length} change(s)`}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={state.flash ?? failure}
    >
      <Text wrap="truncate-end">{route.what}</Text>
      {edits.length ? null : <Text color={tone('muted')}>No change yet: s sets a path, x removes one.</Text>}
      {edits.map((e, i) => (
        <Text key={i} color={tone('accent')} wrap="truncate-end">
          {'  '}
          {i + 1}. {describeEdit(e)}
        </Text>
      ))}
      <ChangeForm state={state} dispatch={dispatch} keysOn={keysOn} />
      {planning.status === 'running' ? <ProgressLine label="making the plan" startedAt={planning.startedAt} /> : null}
      {example.length ? (
        <Box flexDirection="column" height={exampleHeight} overflow="hidden">
          <Text color={tone('muted')}>{edits.length ? 'one of them after the changes' : 'one of them now'}:</Text>
          {example.slice(scroll.top, scroll.top + exampleHeight - 1).map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Frame>
  );
}
