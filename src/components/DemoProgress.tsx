/**
 * What the TUI shows on a first start while it creates the demo warehouse (src/data/demo/seed.ts reports
 * how far it has got), until the stage tables take its place.
 */
import { Box, Text, useInput, useStdin } from 'ink';
import { useEffect } from 'react';
import { thousands as count } from '../data/counts.js';
import type { SeedProgress } from '../data/demo/seed.js';
import { guardUnnamedKeys } from './keyBus.js';
import { Spinner } from './Spinner.js';
import { tone } from './theme.js';

export function demoProgressLine(progress: SeedProgress | undefined): string {
  if (!progress) return 'creating the demo warehouse…';
  if (progress.step === 'stages') return `building the stage tables… ${progress.done} / ${progress.total}`;
  return `creating the demo warehouse… ${count(progress.done)} / ${count(progress.total)} events`;
}

export function DemoProgress({ progress, path, onQuit }: { progress?: SeedProgress; path: string; onQuit: () => void }) {
  // Outside the App's key bus: the same guard keeps a key Ink cannot name from ending the process.
  const { internal_eventEmitter: emitter } = useStdin();
  useEffect(() => guardUnnamedKeys(emitter), [emitter]);
  // Keys are read (raw mode) so they are not echoed over the screen; q or Ctrl-C leave, as on every screen.
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) onQuit();
  });
  return (
    <Box flexDirection="column">
      <Text bold>evfix · first start</Text>
      {/* The path on a line of its own, cut at its start when long: on one line with the reason, the default
          path ($HOME/.local/share/evfix/demo.duckdb) at 80 columns cut "no evfix.config.json" instead. */}
      <Text color={tone('muted')}>no evfix.config.json: a demo warehouse at</Text>
      <Text color={tone('muted')} wrap="truncate-start">
        {path}
      </Text>
      <Text> </Text>
      <Box>
        <Spinner />
        <Text>{` ${demoProgressLine(progress)}`}</Text>
      </Box>
      <Text> </Text>
      <Text color={tone('muted')}>q quit</Text>
    </Box>
  );
}
