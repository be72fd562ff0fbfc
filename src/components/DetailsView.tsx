/**
 * Long text in full: a plan's description and outcome, an error with all its
 * detail. Drawn in place of the screen that opened it, wrapped to the width
 * and scrolled with j/k and PgUp/PgDn; esc closes it. Its keys are an
 * overlay's on the bus, so nothing typed reaches the screen underneath.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { HELP_BINDING, isListMove, type ListMove } from './bindings.js';
import { Frame } from './Frame.js';
import { LAYER } from './keyBus.js';
import type { Binding } from './keys.js';
import { useScroll } from './scrollState.js';
import { tone } from './theme.js';
import { useBindings } from './useBindings.js';
import { wrapText } from './wrapText.js';

type Action = ListMove | 'close' | 'help';

export const DETAILS_BINDINGS: Binding<Action>[] = [
  { keys: ['j', 'down'], help: 'scroll down', action: 'down', footer: 1, group: 'scroll' },
  { keys: ['k', 'up'], help: 'scroll up', action: 'up', footer: 1, group: 'scroll' },
  { keys: ['pagedown', ' '], help: 'page down', action: 'pageDown', footer: 2, group: 'page' },
  { keys: ['pageup'], help: 'page up', action: 'pageUp', footer: 2, group: 'page' },
  { keys: ['g', 'home'], help: 'top', action: 'first' },
  { keys: ['G', 'end'], help: 'bottom', action: 'last' },
  { keys: ['escape', 'q'], help: 'close', action: 'close', footer: 1 },
  HELP_BINDING,
];

export function DetailsView(props: { title: string; text: string; width: number; height: number; active: boolean; onClose: () => void }) {
  const [helpOpen, setHelpOpen] = useState(false);
  const lines = wrapText(props.text, props.width);
  // Title, the position line, flash and footer take four rows.
  const room = Math.max(1, props.height - 4);
  const { top, scroll } = useScroll({ lines: lines.length, room });
  useBindings(
    DETAILS_BINDINGS,
    (action) => {
      // While the help overlay is open, only its own keys (help again, or close) do anything: they close it.
      if (helpOpen) {
        if (action === 'help' || action === 'close') setHelpOpen(false);
      } else if (isListMove(action)) scroll(action);
      else if (action === 'help') setHelpOpen(true);
      else props.onClose();
    },
    props.active,
    LAYER.overlay,
    true,
  );
  return (
    <Frame title={props.title} width={props.width} height={props.height} bindings={DETAILS_BINDINGS} helpOpen={helpOpen}>
      <Box flexDirection="column" height={room} overflow="hidden">
        {lines.slice(top, top + room).map((line, i) => (
          <Text key={top + i}>{line || ' '}</Text>
        ))}
      </Box>
      <Text color={tone('muted')}>{lines.length > room ? `lines ${top + 1}-${Math.min(lines.length, top + room)} of ${lines.length}` : 'end'}</Text>
    </Frame>
  );
}
