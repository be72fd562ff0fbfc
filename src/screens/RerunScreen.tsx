/** Rerun a stage table from current_date - offset, with the elapsed time and the result. */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useState } from 'react';
import { describeDownstream, describeRerun } from '../data/operations/rerun.js';
import { describeEstimate } from '../data/operations/estimate.js';
import { describeError } from '../data/errors.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { formBindings } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { useTask } from './useTask.js';

type Action = 'run' | 'offset' | 'done';

const OUTPUT_LINES = 6;

const validOffset = (v: string) => (/^\d+$/.test(v) && Number(v) <= 36500 ? undefined : 'a whole number of days from 0 to 36500');

export function RerunScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string; offset?: number } }) {
  const { service, trackWrite } = services;
  const config = service.config;
  const stage = stageOf(services, route.stage);
  const [offset, setOffset] = useState(String(route.offset ?? config.lookback_days));
  const [editing, setEditing] = useState(false);
  // dbt's output, last lines only: the frame has no room for a log, and the full log is dbt's own.
  const [output, setOutput] = useState<string[]>([]);
  const rerun = useCallback(
    (days: number) => {
      setOutput([]);
      return trackWrite(service.call('rerun', { stage: stage.name, offset: days }, { onProgress: (line) => setOutput((lines) => [...lines.slice(-(OUTPUT_LINES - 1)), line]) }));
    },
    [service, stage, trackWrite],
  );
  const { task, run } = useTask(rerun);
  // What the rerun would do, computed without writing, for the offset shown: rows removed and written, and the
  // dbt models downstream that the rebuild leaves out of date (or rebuilds too).
  const [preview, setPreview] = useState<{ offset: string; text: string[] } | undefined>(undefined);
  useEffect(() => {
    if (editing || validOffset(offset) || config.read_only) return;
    let current = true;
    service.call('rerunPreview', { stage: stage.name, offset: Number(offset) }).then(
      (p) => current && setPreview({ offset, text: [`removes ${p.removes} row(s) of the window and writes ${p.writes}`, describeDownstream(p.downstream), ...(p.estimate ? [describeEstimate(p.estimate)] : [])] }),
      (error: unknown) => current && setPreview({ offset, text: [`cannot preview the rerun: ${describeError(error)}`] }),
    );
    return () => {
      current = false;
    };
  }, [editing, offset, service, stage, config.read_only]);
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
  const { helpOpen, bindings: all } = useScreen({
    bindings,
    active: active && task.status !== 'running',
    nav,
    field: { open: editing, close: () => setEditing(false) },
    formKeys: formBindings({ enter: 'keep the offset' }),
    onAction: (action) => {
      if (action === 'run' && !validOffset(offset)) void run(Number(offset));
      else if (action === 'offset') setEditing(true);
      else if (action === 'done') nav.home();
    },
  });
  let result = null;
  if (task.status === 'running') result = <ProgressLine label={`rebuilding ${stage.name}`} startedAt={task.startedAt} />;
  else if (task.status === 'failed') result = <ErrorPanel title="The rerun failed; the stage table is unchanged" message={task.message} hint="enter goes back" />;
  else if (task.status === 'done') {
    result = (
      <Text color={tone('ok')}>
        ✓ {describeRerun(task.value)} ({((task.finishedAt - task.startedAt) / 1000).toFixed(1)}s)
      </Text>
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
          <TextField label="current_date_offset (days)" value={offset} onChange={setOffset} validate={validOffset} freeText={false} focus={active} onSubmit={(v) => !validOffset(v) && setEditing(false)} />
        ) : (
          <Text>
            Rebuild <Text bold>{stage.name}</Text> with current_date_offset = <Text bold>{offset}</Text> (every row created since that day is recomputed
            {config.rerun.runner === 'dbt' ? ' by dbt run' : ''})
          </Text>
        )}
        {!editing && task.status === 'idle' && !readOnly
          ? (validOffset(offset)
              ? [`current_date_offset: ${validOffset(offset)}; press o to change it`]
              : preview?.offset === offset
                ? preview.text
                : ['counting the rows the rerun would remove and write…']
            ).map((line, i) => (
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
