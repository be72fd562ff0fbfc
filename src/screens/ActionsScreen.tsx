/** What can be done to one stage table. */
import { Text } from 'ink';
import { useReducer } from 'react';
import { isListMove, LIST_BINDINGS, listMove, type ListMove } from '../components/bindings.js';
import { Frame } from '../components/Frame.js';
import type { Binding } from '../components/keys.js';
import { initialList, listReducer } from '../components/listState.js';
import { tone } from '../components/theme.js';
import { WindowedList } from '../components/WindowedList.js';
import { stageOf, type Route, type ScreenProps } from './navigation.js';
import { useScreen } from './useScreen.js';

type Action = ListMove | 'open';

const BINDINGS: Binding<Action>[] = [...LIST_BINDINGS, { keys: ['enter'], help: 'open', action: 'open', footer: 1 }];

const ITEMS: { label: string; detail: string; route: (stage: string) => Route }[] = [
  { label: 'Duplicates by event_id', detail: 'exclude copies, keep one', route: (stage) => ({ name: 'duplicates', stage }) },
  { label: 'Business-key duplicates', detail: 'same key, different event_ids', route: (stage) => ({ name: 'businessKeys', stage }) },
  { label: 'Update event data', detail: 'find events, edit event_data, see the diff', route: (stage) => ({ name: 'lookup', stage }) },
  // After Update event data, so the rows before it keep their places (jj is still Update event data).
  { label: 'Find events', detail: 'by event_data and columns; update, exclude', route: (stage) => ({ name: 'findEvents', stage }) },
  { label: 'Insert a missing event', detail: 'write an event that never arrived', route: (stage) => ({ name: 'insert', stage }) },
  { label: 'Rerun the stage table', detail: 'rebuild from current_date - offset', route: (stage) => ({ name: 'rerun', stage }) },
  { label: 'History', detail: 'applied plans, revert', route: () => ({ name: 'history' }) },
];

export function ActionsScreen({ route, active, width, height, nav, services }: ScreenProps & { route: { stage: string } }) {
  const stage = stageOf(services, route.stage);
  const [list, dispatch] = useReducer(listReducer, initialList(ITEMS.length, ITEMS.length));
  const { helpOpen, bindings } = useScreen({
    bindings: BINDINGS,
    active,
    nav,
    onAction: (action) => {
      if (isListMove(action)) dispatch(listMove(action));
      else if (action === 'open') nav.push(ITEMS[list.cursor]!.route(route.stage));
    },
  });
  return (
    <Frame title={`evfix · ${stage.name}`} status={stage.event_name} width={width} height={height} bindings={bindings} helpOpen={helpOpen}>
      <Text> </Text>
      <WindowedList
        items={ITEMS}
        state={list}
        render={(item) => (
          <Text>
            {item.label.padEnd(26)}
            <Text color={tone('muted')}>{item.detail}</Text>
          </Text>
        )}
      />
    </Frame>
  );
}
