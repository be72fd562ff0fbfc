/**
 * Business-key duplicates: choose the key path (configured, or typed), then
 * group by group mark the event_ids to exclude; `n`/`p` move between groups
 * and the status line keeps the tally. `d` plans the exclusions.
 *
 * The state and its work are useBusinessKeysState's; this file is the keys and the view.
 */
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { parseJson, prettyJson } from '../data/json/value.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { formBindings, isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { ProgressLine } from '../components/ProgressLine.js';
import { TextField } from '../components/TextField.js';
import { tone } from '../components/theme.js';
import { count } from '../components/unsavedWork.js';
import { WindowedList } from '../components/WindowedList.js';
import { stageOf, type ScreenProps } from './navigation.js';
import { groupsWithMarks, stepsBack, useBusinessKeysState } from './useBusinessKeysState.js';
import { useScreen } from './useScreen.js';
import { insideQuotedKey, validatePath } from './validators.js';

type Action = ListMove | 'toggle' | 'next' | 'prev' | 'exclude' | 'path';

const BINDINGS: Binding<Action>[] = [
  ...LIST_BINDINGS,
  { keys: [' '], help: 'exclude / keep', action: 'toggle', footer: 1 },
  { keys: ['n'], help: 'next group', action: 'next', footer: 1, group: 'group' },
  { keys: ['p'], help: 'previous group', action: 'prev', footer: 1, group: 'group' },
  { keys: ['d'], help: 'plan the exclusions', action: 'exclude', footer: 1 },
  { keys: ['/'], help: 'another key path', action: 'path', footer: 2 },
];

export function BusinessKeysScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const stage = stageOf(services, route.stage);
  // Title, the key line, at least two lines of the document, flash and footer: the rest is the group's events.
  const { state, dispatch, groups, grouping, planning, step, group, plan } = useBusinessKeysState(services.service, stage, Math.max(1, height - 8));
  const { phase, path, list, excluded } = state;
  const current = groups[state.group];
  const cursorEvent = current?.events[list.cursor];

  const actions: Record<Exclude<Action, ListMove>, () => unknown> = {
    next: () => step(1),
    prev: () => step(-1),
    toggle: () => cursorEvent && dispatch({ type: 'toggle', event: cursorEvent }),
    exclude: () => dispatch({ type: 'describe' }),
    path: () => dispatch({ type: 'choosePath' }),
  };
  const grouped = grouping.status === 'done';
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active: active && planning.status !== 'running',
    nav,
    keysEnabled: phase === 'groups',
    formKeys: formBindings({ enter: phase === 'describe' ? 'plan the exclusions' : 'group by this path' }),
    unsaved: excluded.size ? count(excluded.size, 'event marked to exclude', 'events marked to exclude') : null,
    onBack: () => {
      dispatch({ type: 'back', grouped });
      return stepsBack(state, grouped);
    },
    onAction: (action) => {
      dispatch({ type: 'flash', flash: null });
      if (isListMove(action)) dispatch({ type: 'list', action: listMove(action) });
      else void actions[action]();
    },
  });

  const status = grouped
    ? `group ${groups.length ? state.group + 1 : 0}/${groups.length} · ${excluded.size} to exclude in ${groupsWithMarks(groups, excluded)} group(s)`
    : '';
  let body: ReactNode;
  if (phase === 'path') {
    body = (
      <TextField
        label="business key path"
        freeText={insideQuotedKey}
        value={path}
        onChange={(text) => dispatch({ type: 'type', field: 'path', text })}
        focus={active}
        onSubmit={(p) => void group(p)}
        validate={validatePath}
        hint={stage.business_keys.length ? `configured: ${stage.business_keys.join(', ')}` : 'e.g. $.transaction_id'}
      />
    );
  } else if (grouping.status === 'running') body = <ProgressLine label={`grouping by ${path}`} startedAt={grouping.startedAt} />;
  else if (grouping.status === 'failed')
    body = <ErrorPanel title="Could not group by that key" message={grouping.message} hint="/ tries another path; esc goes back" />;
  else if (!current) body = <Text color={tone('muted')}>No different event_ids share {path} in the lookback window.</Text>;
  else {
    const shownRows = Math.min(current.events.length, list.height);
    body = (
      <Box flexDirection="column">
        <Text wrap="truncate-end">
          {path} = <Text bold>{current.key}</Text>
          {current.differences.length ? <Text color={tone('warn')}>{`  differ: ${current.differences.join(', ')}`}</Text> : '  (same event_data)'}
        </Text>
        <WindowedList
          items={current.events}
          state={list}
          render={(e) => `${excluded.has(e.event_id) ? '[exclude] ' : '[keep]    '}${e.event_id} ${e.event_created_at.slice(0, 19)} ${e.source}`}
        />
        <Box flexDirection="column" height={Math.max(2, height - 6 - shownRows)} overflow="hidden">
          {cursorEvent
            ? prettyJson(parseJson(cursorEvent.event_data))
                .split('\n')
                .map((line, i) => (
                  <Text key={i} color={tone('muted')} wrap="truncate-end">
                    {line}
                  </Text>
                ))
            : null}
        </Box>
        {phase === 'describe' ? (
          <TextField
            label="exclusion_description"
            value={state.description}
            onChange={(text) => dispatch({ type: 'type', field: 'description', text })}
            focus={active && planning.status !== 'running'}
            required
            onSubmit={async (text) => {
              const made = await plan(text);
              if (made) nav.push({ name: 'confirm', plan: made });
            }}
            placeholder="why are these excluded?"
          />
        ) : null}
      </Box>
    );
  }
  return (
    <Frame
      title={`evfix · ${stage.name} · business-key duplicates`}
      status={status}
      width={width}
      height={height}
      bindings={bindings}
      helpOpen={helpOpen}
      flash={state.flash ?? (planning.status === 'failed' ? { text: planning.message, tone: 'danger' } : null)}
    >
      {body}
    </Frame>
  );
}
