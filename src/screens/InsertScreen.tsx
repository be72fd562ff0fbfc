/**
 * Insert a missing event: the event is written in $EDITOR from a template,
 * checked, and shown as a diff from nothing before it is confirmed. An event
 * whose event_data keys are not the stage's usual ones (written for another
 * event name, say) needs a second `y`.
 */
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Plan } from '../data/plan.js';
import { isListMove, scrollBindings, type ListMove } from '../components/bindings.js';
import { FRAME_CHROME, Frame, flashLines, titleLines } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { useScroll } from '../components/scrollState.js';
import { tone } from '../components/theme.js';
import { hangingLines, wrapText } from '../components/wrapText.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useInsertState, type KeyWarning } from './useInsertState.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'edit' | 'anyway';
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

const QUESTION = 'Insert it anyway? y goes on to the diff, e edits it again, esc leaves it as it is.';

export function InsertScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const stage = stageOf(services, route.stage);
  const { state, dispatch, planning: planTask, checking: checkTask, edit, plan } = useInsertState(services.service, stage, services.editText);
  const { text, warning, flash } = state;
  const toDiff = async (made: Promise<Plan | undefined>) => {
    const diff = await made;
    if (diff) nav.push({ name: 'diff', plan: diff });
  };

  const busy = planTask.status === 'running' || checkTask.status === 'running';
  // Each error once: in the flash, which wraps onto as many lines as it needs.
  const failure = planTask.status === 'failed' ? planTask.message : checkTask.status === 'failed' ? checkTask.message : null;
  const shownFlash = flash ?? (failure ? { text: failure, tone: 'danger' as const } : null);
  const intro = `A ${stage.event_name} event that never arrived is written to the exceptions table (is_event_update = false). Press e to write it in your editor; event_data must be a JSON object.`;
  // The event wrapped, never cut: a long line (event_data on one line) continues indented under itself.
  const lines = useMemo(() => text.split('\n').flatMap((line) => hangingLines(line, width - 1)), [text, width]);
  // The rows left for the event: the frame (its flash as wrapped), the paragraph, the warning and its question
  // with the blank line above them, the progress line, and the blank line above the event.
  const title = `evfix · insert a missing event · ${stage.name}`;
  const above = (warning ? 1 + [shapeWarning(stage.event_name, stage.name, warning), QUESTION].flatMap((t) => wrapText(t, width)).length : 0) + (busy ? 1 : 0);
  const room = Math.max(
    1,
    height -
      FRAME_CHROME -
      (flashLines(shownFlash, width, height).length - 1) -
      wrapText(intro, width).length -
      above -
      1 -
      (titleLines(title, 'lines 99-99 of 99', width).ownLine ? 1 : 0),
  );
  const scroll = useScroll({ lines: lines.length, room });
  const tall = lines.length > room;
  const { helpOpen, bindings } = useScreen({
    bindings: [...(warning ? WARNED_BINDINGS : BINDINGS), ...(tall ? scrollBindings({ what: 'the event', footer: 2 }) : [])],
    active: active && !busy,
    nav,
    unsaved: text !== state.template ? 'the event written' : null,
    onBack: () => {
      if (!warning) return false;
      dispatch({ type: 'dismissWarning' });
      return true;
    },
    onAction: (action) => {
      if (isListMove(action)) scroll.scroll(action);
      else if (action === 'edit') void toDiff(edit());
      else if (action === 'anyway' && warning) void toDiff(plan(warning.text));
    },
  });
  return (
    <Frame
      title={title}
      status={tall ? `lines ${scroll.top + 1}-${Math.min(lines.length, scroll.top + room)} of ${lines.length}` : undefined}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={shownFlash}
    >
      <Text wrap="wrap">{intro}</Text>
      {warning ? (
        <Box flexDirection="column" marginTop={1} flexShrink={0}>
          <Text color={tone('warn')} wrap="wrap">
            {shapeWarning(stage.event_name, stage.name, warning)}
          </Text>
          <Text bold wrap="wrap">
            {QUESTION}
          </Text>
        </Box>
      ) : null}
      {busy ? (
        <ProgressLine
          label={planTask.status === 'running' ? 'checking the event' : `comparing with the ${stage.event_name} events`}
          startedAt={planTask.status === 'running' ? planTask.startedAt : checkTask.status === 'running' ? checkTask.startedAt : Date.now()}
        />
      ) : null}
      {/* The event takes the rows left over, wrapped, and scrolls (j/k) when taller: the warning above it is never squeezed. */}
      <Box flexDirection="column" marginTop={1} flexGrow={1} flexShrink={1} minHeight={1} overflow="hidden">
        {lines.slice(scroll.top, scroll.top + room).map((line, i) => (
          <Box key={scroll.top + i} flexShrink={0}>
            <Text color={tone('muted')} wrap="wrap">
              {line || ' '}
            </Text>
          </Box>
        ))}
      </Box>
    </Frame>
  );
}
