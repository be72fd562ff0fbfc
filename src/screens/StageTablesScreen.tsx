/**
 * Stage tables: every configured stage table with its event name, events in
 * the lookback window and unresolved event_id duplicate groups. Counts load in
 * the background and appear as they arrive.
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import type { StageSummary } from '../data/warehouse.js';
import { KeyHints, type KeyBinding } from '../components/KeyHints.js';
import { Spinner } from '../components/Spinner.js';
import { tone } from '../components/theme.js';

export const STAGE_TABLES_BINDINGS: KeyBinding[] = [
  { keys: 'j/k ↑/↓', help: 'move' },
  { keys: 'g/G', help: 'first/last' },
  { keys: 'q', help: 'quit' },
];

type Loaded = { status: 'loading' } | { status: 'done'; summary: StageSummary } | { status: 'failed'; message: string };

export type StageTablesProps = {
  stages: readonly StageConfig[];
  lookbackDays: number;
  loadSummary: (stage: StageConfig) => Promise<StageSummary>;
  onQuit: () => void;
  width: number;
  /** Rows available to this screen (the frame stays one line shorter than the terminal). */
  height: number;
};

export function StageTablesScreen({ stages, lookbackDays, loadSummary, onQuit, width, height }: StageTablesProps) {
  const [cursor, setCursor] = useState(0);
  const [loaded, setLoaded] = useState<Record<string, Loaded>>({});

  useEffect(() => {
    let cancelled = false;
    // One at a time: the embedded warehouse is a single file, and the first rows show sooner.
    (async () => {
      for (const stage of stages) {
        if (cancelled) return;
        setLoaded((l) => ({ ...l, [stage.name]: { status: 'loading' } }));
        try {
          const summary = await loadSummary(stage);
          if (!cancelled) setLoaded((l) => ({ ...l, [stage.name]: { status: 'done', summary } }));
        } catch (error) {
          if (!cancelled) setLoaded((l) => ({ ...l, [stage.name]: { status: 'failed', message: describeError(error) } }));
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [stages, loadSummary]);

  useInput((input, key) => {
    // Over SSH, key repeat arrives as one string ("jjjj"): every character counts.
    let delta = 0;
    for (const ch of input) {
      if (ch === 'j') delta++;
      else if (ch === 'k') delta--;
      else if (ch === 'g') delta = -Infinity;
      else if (ch === 'G') delta = Infinity;
      else if (ch === 'q') return onQuit();
    }
    if (key.downArrow) delta++;
    if (key.upArrow) delta--;
    if (delta !== 0) setCursor((c) => Math.max(0, Math.min(stages.length - 1, c + (Number.isFinite(delta) ? delta : delta > 0 ? stages.length : -stages.length))));
  });

  const listHeight = Math.max(1, height - 4);
  const start = Math.max(0, Math.min(cursor - Math.floor(listHeight / 2), stages.length - listHeight));
  const visible = stages.slice(start, start + listHeight);
  const loading = stages.some((s) => loaded[s.name]?.status !== 'done' && loaded[s.name]?.status !== 'failed');
  const nameWidth = Math.min(34, Math.max(...stages.map((s) => s.name.length)) + 1);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box justifyContent="space-between">
        <Text bold>Stage tables</Text>
        {loading ? <Spinner label="counting" /> : <Text color={tone('muted')}>last {lookbackDays} days</Text>}
      </Box>
      <Text color={tone('muted')}>
        {'  ' + 'stage table'.padEnd(nameWidth) + 'event name'.padEnd(24) + 'events'.padStart(8) + '  duplicates'}
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        {visible.map((stage, i) => {
          const selected = start + i === cursor;
          const state = loaded[stage.name];
          const counts =
            state?.status === 'done'
              ? String(state.summary.events).padStart(8) + '  ' + String(state.summary.duplicateGroups).padStart(10)
              : state?.status === 'failed'
                ? '  failed: ' + state.message
                : '       …           …';
          return (
            <Text key={stage.name} inverse={selected} wrap="truncate-end">
              {(selected ? '> ' : '  ') + stage.name.padEnd(nameWidth) + stage.event_name.padEnd(24) + counts}
            </Text>
          );
        })}
      </Box>
      <KeyHints bindings={STAGE_TABLES_BINDINGS} width={width} />
    </Box>
  );
}
