/**
 * Said plainly instead of drawing a broken layout. The screens stay mounted
 * underneath with their work; q quits as it does on them, asking first when
 * that would drop work ("quit and discard 2 marked groups? y/N"). Every other
 * key is the notice's: the screens are not shown, so nothing typed blind
 * reaches them.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { LAYER, useKeyTarget } from './keyBus.js';
import { tone } from './theme.js';
import { listed, useWorkRegistry } from './unsavedWork.js';
import { MIN_SIZE, type TerminalSize } from './useTerminalSize.js';
import { wrapText } from './wrapText.js';

export function TooSmall({ size, onQuit }: { size: TerminalSize; onQuit: () => void }) {
  const work = useWorkRegistry();
  const [question, setQuestion] = useState<string | null>(null);
  useKeyTarget(
    {
      claim: () => 'take',
      handle: (name) => {
        // The question takes the next key: `y` quits, any other key (n, esc, q again) is No.
        if (question) {
          setQuestion(null);
          if (name === 'y') onQuit();
          return;
        }
        if (name !== 'q') return;
        const lost = work.all();
        if (lost.length) setQuestion(`quit and discard ${listed(lost)}? y/N`);
        else onQuit();
      },
      pure: () => false,
    },
    true,
    LAYER.overlay,
  );
  return (
    <Box flexDirection="column" width={size.columns}>
      {/* Wrapped here: Ink's wrap starts a line with the space after a word that ends at the edge. */}
      <Text>
        {wrapText(
          `Terminal is ${size.columns}x${size.rows}; evfix needs at least ${MIN_SIZE.columns}x${MIN_SIZE.rows}. Enlarge the window, or press q to quit.`,
          size.columns,
        ).join('\n')}
      </Text>
      {question ? (
        <Text bold color={tone('warn')}>
          {wrapText(question, size.columns).join('\n')}
        </Text>
      ) : null}
    </Box>
  );
}
