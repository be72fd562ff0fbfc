/**
 * Insert a missing event: the event is written in $EDITOR from a template,
 * checked, and shown as a diff from nothing before it is confirmed. An event
 * whose event_data keys are not the stage's usual ones (written for another
 * event name, say) needs a second `y`.
 */
import { Box, Text } from 'ink';
import type { Plan } from '../data/plan.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { tone } from '../components/theme.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useInsertState, type KeyWarning } from './useInsertState.js';
import { useScreen } from './useScreen.js';

type Action = 'edit' | 'anyway';
const BINDINGS: Binding<Action>[] = [{ keys: ['e', 'enter'], help: 'write the event in $EDITOR', action: 'edit', footer: 1 }];
const WARNED_BINDINGS: Binding<Action>[] = [
  { keys: ['y'], help: 'insert it anyway', action: 'anyway', footer: 1 },
  { keys: ['e'], help: 'edit it again', action: 'edit', footer: 1 },
];

/** One string, so it wraps as one paragraph. */
const shapeWarning = (eventName: string, stageName: string, w: KeyWarning) =>
  `This event_data is not shaped like the ${eventName} events of ${stageName} (compared with ${w.sampled}): ` +
  [...(w.missing.length ? [`it lacks ${w.missing.join(', ')}`] : []), ...(w.unusual.length ? [`none of them has ${w.unusual.join(', ')}`] : [])].join('; ') +
  '.';

export function InsertScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const stage = stageOf(services, route.stage);
  const { state, dispatch, planning: planTask, checking: checkTask, edit, plan } = useInsertState(services.service, stage, services.editText);
  const { text, warning, flash } = state;
  const toDiff = async (made: Promise<Plan | undefined>) => {
    const diff = await made;
    if (diff) nav.push({ name: 'diff', plan: diff });
  };

  const busy = planTask.status === 'running' || checkTask.status === 'running';
  const { helpOpen, bindings } = useScreen({
    bindings: warning ? WARNED_BINDINGS : BINDINGS,
    active: active && !busy,
    nav,
    unsaved: text !== state.template ? 'the event written' : null,
    onBack: () => {
      if (!warning) return false;
      dispatch({ type: 'dismissWarning' });
      return true;
    },
    onAction: (action) => {
      if (action === 'edit') void toDiff(edit());
      else if (action === 'anyway' && warning) void toDiff(plan(warning.text));
    },
  });
  // Each error once: in the flash, which wraps onto as many lines as it needs.
  const failure = planTask.status === 'failed' ? planTask.message : checkTask.status === 'failed' ? checkTask.message : null;
  return (
    <Frame title={`evfix · insert a missing event · ${stage.name}`} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? (failure ? { text: failure, tone: 'danger' } : null)}>
      <Text wrap="wrap">
        A {stage.event_name} event that never arrived is written to the exceptions table (is_event_update = false). Press e to write it in
        your editor; event_data must be a JSON object.
      </Text>
      {warning ? (
        <Box flexDirection="column" marginTop={1} flexShrink={0}>
          <Text color={tone('warn')} wrap="wrap">
            {shapeWarning(stage.event_name, stage.name, warning)}
          </Text>
          <Text bold wrap="wrap">
            Insert it anyway? y goes on to the diff, e edits it again, esc leaves it as it is.
          </Text>
        </Box>
      ) : null}
      {busy ? (
        <ProgressLine label={planTask.status === 'running' ? 'checking the event' : `comparing with the ${stage.event_name} events`} startedAt={planTask.status === 'running' ? planTask.startedAt : checkTask.status === 'running' ? checkTask.startedAt : Date.now()} />
      ) : null}
      {/* The event takes the rows left over, cut at the bottom: the warning above it is never squeezed. */}
      <Box flexDirection="column" marginTop={1} flexGrow={1} flexShrink={1} minHeight={1} overflow="hidden">
        {text.split('\n').map((line, i) => (
          <Box key={i} flexShrink={0}>
            <Text color={tone('muted')} wrap="truncate-end">
              {line || ' '}
            </Text>
          </Box>
        ))}
      </Box>
    </Frame>
  );
}
