/**
 * Insert a missing event: the event is written in $EDITOR from a template,
 * checked, and shown as a diff from nothing before it is confirmed.
 */
import { Box, Text } from 'ink';
import { randomUUID } from 'node:crypto';
import { useCallback, useState } from 'react';
import { describeError } from '../data/errors.js';
import { PENDING_DESCRIPTION } from '../data/operations/makePlan.js';
import { formatTimestamp, nowMicros } from '../data/timestamp.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { tone } from '../components/theme.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

type Action = 'edit';
const BINDINGS: Binding<Action>[] = [{ keys: ['e', 'enter'], help: 'write the event in $EDITOR', action: 'edit', footer: 1 }];

export function InsertScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const { service, editText } = services;
  const stage = stageOf(services, route.stage);
  const [flash, setFlash] = useState<Flash>(null);
  const [text, setText] = useState(() =>
    JSON.stringify(
      { event_id: randomUUID(), event_created_at: formatTimestamp(nowMicros()), user_id: null, event_external_reference_id: null, event_advisor_id: null, event_data: {} },
      null,
      2,
    ),
  );
  const planTask = useTask(
    useCallback((text: string) => service.call('makePlan', { op: 'insert', stage: stage.name, text, description: PENDING_DESCRIPTION }), [service, stage]),
  );
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: active && planTask.task.status !== 'running',
    nav,
    onAction: async () => {
      setFlash(null);
      const saved = await editText(text, '.json');
      setText(saved);
      const plan = await planTask.run(saved);
      if (plan) nav.push({ name: 'diff', plan });
    },
  });
  const failure = planTask.task.status === 'failed' ? planTask.task.message : null;
  return (
    <Frame title={`evfix · insert a missing event · ${stage.name}`} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? (failure ? { text: failure, tone: 'danger' } : null)}>
      <Text wrap="wrap">
        A {stage.event_name} event that never arrived is written to the exceptions table (is_event_update = false). Press e to write it in
        your editor; event_data must be a JSON object.
      </Text>
      <Box flexDirection="column" marginTop={1} height={Math.max(2, height - 8)} overflow="hidden">
        {text.split('\n').map((line, i) => (
          <Text key={i} color={tone('muted')} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      {failure ? <Text color={tone('danger')} wrap="wrap">! {describeError(failure)}</Text> : null}
    </Frame>
  );
}
