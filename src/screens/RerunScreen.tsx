/** Rerun a stage table from current_date - offset, with the elapsed time and the result. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { describeRerun } from '../data/operations/rerun.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { formBindings } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { wrapText } from '../components/wrapText.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { previewLines, useRerunState, validOffset } from './useRerunState.js';
import { useScreen } from './useScreen.js';

type Action = 'run' | 'offset' | 'done';

export function RerunScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string; offset?: number } }) {
  const config = services.service.config;
  const stage = stageOf(services, route.stage);
  const { state, dispatch, task, run } = useRerunState(services.service, services.trackWrite, stage, route.offset ?? config.lookback_days);
  const { offset, editing, output } = state;
  const readOnly = config.read_only;
  const bindings: Binding<Action>[] =
    task.status === 'done' || task.status === 'failed'
      ? [{ keys: ['enter'], help: 'back to stage tables', action: 'done', footer: 1 }]
      : readOnly
        ? []
        : [
            { keys: ['y'], help: 'rerun now', action: 'run', footer: 1 },
            { keys: ['o'], help: 'change the offset', action: 'offset', footer: 1 },
          ];
  const actions: Record<Action, () => void> = {
    run,
    offset: () => dispatch({ type: 'edit', editing: true }),
    done: nav.home,
  };
  const { helpOpen, bindings: all } = useScreen({
    bindings,
    active: active && task.status !== 'running',
    nav,
    field: { open: editing, close: () => dispatch({ type: 'edit', editing: false }) },
    formKeys: formBindings({ enter: 'keep the offset' }),
    onAction: (action) => actions[action](),
  });
  let result = null;
  if (task.status === 'running') result = <ProgressLine label={`rebuilding ${stage.name}`} startedAt={task.startedAt} />;
  else if (task.status === 'failed')
    result = <ErrorPanel title="The rerun failed; the stage table is unchanged" message={task.message} hint="enter goes back" />;
  else if (task.status === 'done') {
    // Wrapped here, at spaces: Ink's own wrap starts each continuation line with the space it broke at.
    const done = wrapText(`✓ ${describeRerun(task.value)} (${((task.finishedAt - task.startedAt) / 1000).toFixed(1)}s)`, width);
    result = (
      <Box flexDirection="column">
        {done.map((line, i) => (
          <Text key={i} color={tone('ok')}>
            {line}
          </Text>
        ))}
      </Box>
    );
  }
  const log = output.length ? (
    <Box flexDirection="column">
      {output.map((line, i) => (
        <Text key={i} dimColor wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  ) : null;
  return (
    <Frame title={`evfix · rerun · ${stage.name}`} status={readOnly ? 'read-only' : undefined} width={width} height={height} bindings={all} helpOpen={helpOpen}>
      <Box flexDirection="column">
        {editing ? (
          <TextField
            label="current_date_offset (days)"
            value={offset}
            onChange={(text) => dispatch({ type: 'typeOffset', text })}
            validate={validOffset}
            freeText={false}
            focus={active}
            onSubmit={() => dispatch({ type: 'keepOffset' })}
          />
        ) : (
          // Wrapped here, at spaces, like the result below: with a stage name that brings the line to the frame's
          // width exactly, Ink's own wrap started the next line with the space it broke at.
          wrapText(
            `Rebuild ${stage.name} with current_date_offset = ${offset} (every row created since that day is recomputed${config.rerun.runner === 'dbt' ? ' by dbt run' : ''})`,
            width,
          ).map((line, i) => <Text key={i}>{emphasised(line, [stage.name, String(offset)])}</Text>)
        )}
        {!editing && task.status === 'idle' && !readOnly
          ? previewLines(state).map((line, i) => (
              <Text key={i} dimColor>
                {line}
              </Text>
            ))
          : null}
        <Text> </Text>
        {readOnly ? <Text color={tone('warn')}>Read-only mode: the stage table cannot be rebuilt.</Text> : result}
        {readOnly ? null : log}
      </Box>
    </Frame>
  );
}

/** The phrases, in the order the sentence has them, in bold where a wrapped line holds them whole. */
function emphasised(line: string, phrases: string[]): ReactNode[] {
  const parts: ReactNode[] = [];
  let rest = line;
  for (const phrase of phrases) {
    const at = phrase ? rest.indexOf(phrase) : -1;
    if (at < 0) continue;
    if (at > 0) parts.push(rest.slice(0, at));
    parts.push(
      <Text key={parts.length} bold>
        {phrase}
      </Text>,
    );
    rest = rest.slice(at + phrase.length);
  }
  if (rest) parts.push(rest);
  return parts;
}
