/**
 * Insert a missing event: the event is written in $EDITOR from a template,
 * checked, and shown as a diff from nothing before it is confirmed. An event
 * whose event_data keys are not the stage's usual ones (written for another
 * event name, say) needs a second `y`.
 */
import { Box, Text } from 'ink';
import { randomUUID } from 'node:crypto';
import { useCallback, useState } from 'react';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { formatTimestamp, nowMicros } from '../data/timestamp.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { tone } from '../components/theme.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

type Action = 'edit' | 'anyway';
const BINDINGS: Binding<Action>[] = [{ keys: ['e', 'enter'], help: 'write the event in $EDITOR', action: 'edit', footer: 1 }];
const WARNED_BINDINGS: Binding<Action>[] = [
  { keys: ['y'], help: 'insert it anyway', action: 'anyway', footer: 1 },
  { keys: ['e'], help: 'edit it again', action: 'edit', footer: 1 },
];

type KeyWarning = { text: string; sampled: number; missing: string[]; unusual: string[] };

/** One string, so it wraps as one paragraph. */
const shapeWarning = (eventName: string, stageName: string, w: KeyWarning) =>
  `This event_data is not shaped like the ${eventName} events of ${stageName} (compared with ${w.sampled}): ` +
  [...(w.missing.length ? [`it lacks ${w.missing.join(', ')}`] : []), ...(w.unusual.length ? [`none of them has ${w.unusual.join(', ')}`] : [])].join('; ') +
  '.';

export function InsertScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const { service, editText } = services;
  const stage = stageOf(services, route.stage);
  const [flash, setFlash] = useState<Flash>(null);
  const [template] = useState(() =>
    JSON.stringify(
      { event_id: randomUUID(), event_created_at: formatTimestamp(nowMicros()), user_id: null, event_external_reference_id: null, event_advisor_id: null, event_data: {} },
      null,
      2,
    ),
  );
  const [text, setText] = useState(template);
  // The last text a plan was made of: saved unchanged again, it goes to its diff again rather than to "nothing changed".
  const [planned, setPlanned] = useState<string | null>(null);
  const [warning, setWarning] = useState<KeyWarning | null>(null);
  const planTask = useTask(
    useCallback((text: string) => service.call('makePlan', { op: 'insert', stage: stage.name, text, description: PENDING_DESCRIPTION }), [service, stage]),
  );
  const checkTask = useTask(useCallback((text: string) => service.call('insertKeyCheck', { stage: stage.name, text }), [service, stage]));

  const plan = async (saved: string) => {
    setWarning(null);
    const made = await planTask.run(saved);
    if (!made) return;
    setPlanned(saved);
    nav.push({ name: 'diff', plan: made });
  };
  const edit = async () => {
    setFlash(null);
    const warned = warning;
    setWarning(null);
    const saved = await editText(text, '.json');
    // Saved as it was after the warning: the same event, the same question.
    if (warned && saved === warned.text) return setWarning(warned);
    if (saved === text && saved !== planned) {
      // Saved as it was: nothing to do. What was wrong with it last time (shown in the flash) still is.
      if (planTask.task.status !== 'failed') setFlash({ text: 'the event was not changed: nothing to insert (e writes it)', tone: 'warn' });
      return;
    }
    setText(saved);
    const keys = await checkTask.run(saved);
    if (keys && (keys.missing.length || keys.unusual.length)) return setWarning({ text: saved, ...keys });
    await plan(saved);
  };

  const busy = planTask.task.status === 'running' || checkTask.task.status === 'running';
  const { helpOpen, bindings } = useScreen({
    bindings: warning ? WARNED_BINDINGS : BINDINGS,
    active: active && !busy,
    nav,
    unsaved: text !== template ? 'the event written' : null,
    onBack: () => {
      if (!warning) return false;
      setWarning(null);
      return true;
    },
    onAction: async (action) => {
      if (action === 'edit') await edit();
      else if (action === 'anyway' && warning) await plan(warning.text);
    },
  });
  // Each error once: in the flash, which wraps onto as many lines as it needs.
  const failure = planTask.task.status === 'failed' ? planTask.task.message : checkTask.task.status === 'failed' ? checkTask.task.message : null;
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
        <ProgressLine label={planTask.task.status === 'running' ? 'checking the event' : `comparing with the ${stage.event_name} events`} startedAt={planTask.task.status === 'running' ? planTask.task.startedAt : checkTask.task.status === 'running' ? checkTask.task.startedAt : Date.now()} />
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
