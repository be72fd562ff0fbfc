/**
 * Business-key duplicates: choose the key path (configured, or typed), then
 * group by group mark the event_ids to exclude; `n`/`p` move between groups
 * and the status line keeps the tally. `d` plans the exclusions.
 */
import { Box, Text } from 'ink';
import { useCallback, useState } from 'react';
import { describeError } from '../data/errors.js';
import { normalizePath } from '../data/json/path.js';
import { parseJson, prettyJson } from '../data/json/value.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { formBindings } from '../components/bindings.js';
import { Frame, type Flash } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { count } from '../components/unsavedWork.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';
import { insideQuotedKey, validatePath } from './validators.js';
import { useTask } from './useTask.js';

type Action = 'down' | 'up' | 'toggle' | 'next' | 'prev' | 'exclude' | 'path';

const BINDINGS: Binding<Action>[] = [
  { keys: ['j', 'down'], help: 'move down', action: 'down', footer: 1, group: 'move' },
  { keys: ['k', 'up'], help: 'move up', action: 'up', footer: 1, group: 'move' },
  { keys: [' '], help: 'exclude / keep', action: 'toggle', footer: 1 },
  { keys: ['n'], help: 'next group', action: 'next', footer: 1, group: 'group' },
  { keys: ['p'], help: 'previous group', action: 'prev', footer: 1, group: 'group' },
  { keys: ['d'], help: 'plan the exclusions', action: 'exclude', footer: 1 },
  { keys: ['/'], help: 'another key path', action: 'path', footer: 2 },
];

export function BusinessKeysScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const { service } = services;
  const stage = stageOf(services, route.stage);
  const [path, setPath] = useState(stage.business_keys[0] ?? '$.');
  const [choosing, setChoosing] = useState(true);
  const [group, setGroup] = useState(0);
  const [cursor, setCursor] = useState(0);
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [describing, setDescribing] = useState(false);
  const [description, setDescription] = useState('');
  const [flash, setFlash] = useState<Flash>(null);
  const load = useTask(useCallback((p: string) => service.call('businessKeyGroups', { stage: stage.name, path: p }), [service, stage]));
  const planTask = useTask(useCallback((ids: string[], text: string) => service.call('makePlan', { op: 'exclude', stage: stage.name, eventIds: ids, description: text }), [service, stage]));
  const groups = load.task.status === 'done' ? load.task.value : [];
  const current = groups[group];

  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: active && planTask.task.status !== 'running',
    nav,
    keysEnabled: !choosing && !describing,
    formKeys: formBindings({ enter: describing ? 'plan the exclusions' : 'group by this path' }),
    unsaved: excluded.size ? count(excluded.size, 'event marked to exclude', 'events marked to exclude') : null,
    onBack: () => {
      if (describing) return setDescribing(false), true;
      if (choosing && load.task.status === 'done') return setChoosing(false), true;
      return false;
    },
    onAction: (action) => {
      setFlash(null);
      const size = current?.events.length ?? 0;
      if (action === 'down') setCursor((c) => Math.min(size - 1, c + 1));
      else if (action === 'up') setCursor((c) => Math.max(0, c - 1));
      else if (action === 'next') setGroup((g) => Math.min(groups.length - 1, g + 1)), setCursor(0);
      else if (action === 'prev') setGroup((g) => Math.max(0, g - 1)), setCursor(0);
      else if (action === 'toggle' && current?.events[cursor]) {
        const event = current.events[cursor]!;
        if (event.source === 'exception') return setFlash({ text: 'this version is an exception row; exclusions do not remove exception rows', tone: 'warn' });
        setExcluded((s) => {
          const next = new Set(s);
          if (next.has(event.event_id)) next.delete(event.event_id);
          else next.add(event.event_id);
          return next;
        });
      } else if (action === 'exclude') {
        if (!excluded.size) return setFlash({ text: 'mark events to exclude with space first', tone: 'warn' });
        setDescribing(true);
      } else if (action === 'path') setChoosing(true);
    },
  });

  const submitPath = async (p: string) => {
    try {
      normalizePath(p);
    } catch (error) {
      return setFlash({ text: describeError(error), tone: 'danger' });
    }
    setChoosing(false);
    setGroup(0);
    setCursor(0);
    setExcluded(new Set());
    await load.run(p);
  };
  const submitDescription = async (text: string) => {
    const plan = await planTask.run([...excluded], text);
    if (plan) setDescribing(false), nav.push({ name: 'confirm', plan });
  };

  const groupsWithMarks = groups.filter((g) => g.events.some((e) => excluded.has(e.event_id))).length;
  const status = load.task.status === 'done' ? `group ${groups.length ? group + 1 : 0}/${groups.length} · ${excluded.size} to exclude in ${groupsWithMarks} group(s)` : '';
  let body;
  if (choosing) {
    body = (
      <TextField
        label="business key path"
        freeText={insideQuotedKey}
        value={path}
        onChange={setPath}
        focus={active}
        onSubmit={(p) => void submitPath(p)}
        validate={validatePath}
        hint={stage.business_keys.length ? `configured: ${stage.business_keys.join(', ')}` : 'e.g. $.transaction_id'}
      />
    );
  } else if (load.task.status === 'running') body = <ProgressLine label={`grouping by ${path}`} startedAt={load.task.startedAt} />;
  else if (load.task.status === 'failed') body = <ErrorPanel title="Could not group by that key" message={load.task.message} hint="/ tries another path; esc goes back" />;
  else if (!current) body = <Text color={tone('muted')}>No different event_ids share {path} in the lookback window.</Text>;
  else {
    const event = current.events[cursor];
    body = (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          {path} = <Text bold>{current.key}</Text>
          {current.differences.length ? <Text color={tone('warn')}>  differ: {current.differences.join(', ')}</Text> : '  (same event_data)'}
        </Text>
        {current.events.map((e, i) => (
          <Text key={e.event_id + i} inverse={i === cursor} wrap="truncate-end">
            {i === cursor ? '> ' : '  '}
            {excluded.has(e.event_id) ? '[exclude] ' : '[keep]    '}
            {e.event_id} {e.event_created_at.slice(0, 19)} {e.source}
          </Text>
        ))}
        <Box flexDirection="column" height={Math.max(2, height - 6 - current.events.length)} overflow="hidden">
          {event
            ? prettyJson(parseJson(event.event_data)).split('\n').map((line, i) => (
                <Text key={i} color={tone('muted')} wrap="truncate-end">
                  {line}
                </Text>
              ))
            : null}
        </Box>
        {describing ? (
          <TextField label="exclusion_description" value={description} onChange={setDescription} focus={active && planTask.task.status !== 'running'} required onSubmit={(v) => void submitDescription(v)} placeholder="why are these excluded?" />
        ) : null}
      </Box>
    );
  }
  return (
    <Frame title={`evfix · ${stage.name} · business-key duplicates`} status={status} width={width} height={height} bindings={bindings} helpOpen={helpOpen} flash={flash ?? (planTask.task.status === 'failed' ? { text: planTask.task.message, tone: 'danger' } : null)}>
      {body}
    </Frame>
  );
}
