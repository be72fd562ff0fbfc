/** The TUI's root: sizes the frame and shows the current screen. */
import { Box, useApp, useInput } from 'ink';
import { useCallback } from 'react';
import type { StageConfig } from './data/config.js';
import type { Context } from './data/operations/context.js';
import { lookbackStart } from './data/operations/context.js';
import { TooSmall } from './components/TooSmall.js';
import { MIN_SIZE, useTerminalSize } from './components/useTerminalSize.js';
import { StageTablesScreen } from './screens/StageTablesScreen.js';

export function App({ ctx }: { ctx: Context }) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const tooSmall = size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows;
  const loadSummary = useCallback((stage: StageConfig) => ctx.warehouse.stageSummary(stage, lookbackStart(ctx)), [ctx]);
  useInput(
    (input) => {
      if (input.includes('q')) exit();
    },
    { isActive: tooSmall },
  );
  if (tooSmall) return <TooSmall size={size} />;
  // One line shorter than the terminal: a full-height frame makes Ink repaint the whole screen.
  const height = size.rows - 1;
  return (
    <Box height={height} width={size.columns}>
      <StageTablesScreen
        stages={ctx.config.stages}
        lookbackDays={ctx.config.lookback_days}
        loadSummary={loadSummary}
        onQuit={exit}
        width={size.columns}
        height={height}
      />
    </Box>
  );
}
