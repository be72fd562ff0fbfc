/**
 * The rerun screen's state: the offset (typed, or given), whether its field is open, the preview of what the
 * rerun would do at that offset, and the last lines of dbt's output. A reducer of plain actions, testable
 * without rendering; the hook adds the preview read and the rerun itself.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { thousands } from '../data/counts.js';
import { describeError } from '../data/errors.js';
import { describeEstimate } from '../data/operations/estimate.js';
import { describeDownstream } from '../data/operations/rerun.js';
import type { Service } from '../data/service/service.js';
import type { Services } from './navigation.js';
import { useTask } from './useTask.js';

/** dbt's output, last lines only: the frame has no room for a log, and the full log is dbt's own. */
export const OUTPUT_LINES = 6;

export const validOffset = (v: string) => (/^\d+$/.test(v) && Number(v) <= 36500 ? undefined : 'a whole number of days from 0 to 36500');

export type RerunState = {
  offset: string;
  /** The offset field has the keys. */
  editing: boolean;
  /** What the rerun would do, for the offset it was computed for (the field may have changed since). */
  preview: { offset: string; text: string[] } | null;
  output: readonly string[];
};

export type RerunAction =
  | { type: 'typeOffset'; text: string }
  | { type: 'edit'; editing: boolean }
  /** enter in the field: it closes when the offset is valid. */
  | { type: 'keepOffset' }
  | { type: 'preview'; offset: string; text: string[] }
  | { type: 'started' }
  | { type: 'output'; line: string };

export const initialRerun = (offset: number): RerunState => ({ offset: String(offset), editing: false, preview: null, output: [] });

export function rerunReducer(state: RerunState, action: RerunAction): RerunState {
  switch (action.type) {
    case 'typeOffset':
      return { ...state, offset: action.text };
    case 'edit':
      return { ...state, editing: action.editing };
    case 'keepOffset':
      return validOffset(state.offset) ? state : { ...state, editing: false };
    case 'preview':
      return { ...state, preview: { offset: action.offset, text: action.text } };
    case 'started':
      return { ...state, output: [] };
    case 'output':
      return { ...state, output: [...state.output.slice(-(OUTPUT_LINES - 1)), action.line] };
  }
}

/** The preview lines for the offset shown, or what stands in for them. */
export function previewLines(state: RerunState): string[] {
  const problem = validOffset(state.offset);
  if (problem) return [`current_date_offset: ${problem}; press o to change it`];
  return state.preview?.offset === state.offset ? state.preview.text : ['counting the rows the rerun would remove and write…'];
}

export function useRerunState(service: Service, trackWrite: Services['trackWrite'], stage: StageConfig, offset: number) {
  const [state, dispatch] = useReducer(rerunReducer, offset, initialRerun);
  const readOnly = service.config.read_only;
  const rerun = useTask(
    useCallback(
      (days: number) => {
        dispatch({ type: 'started' });
        return trackWrite(service.call('rerun', { stage: stage.name, offset: days }, { onProgress: (line) => dispatch({ type: 'output', line }) }));
      },
      [service, stage, trackWrite],
    ),
  );
  // What the rerun would do, computed without writing, for the offset shown: rows removed and written, and the
  // dbt models downstream that the rebuild leaves out of date (or rebuilds too).
  const { editing, offset: shown } = state;
  useEffect(() => {
    if (editing || validOffset(shown) || readOnly) return;
    let current = true;
    service.call('rerunPreview', { stage: stage.name, offset: Number(shown) }).then(
      (p) =>
        current &&
        dispatch({
          type: 'preview',
          offset: shown,
          text: [
            `removes ${thousands(p.removes)} row(s) of the window and writes ${thousands(p.writes)}`,
            describeDownstream(p.downstream),
            ...(p.estimate ? [describeEstimate(p.estimate)] : []),
          ],
        }),
      (error: unknown) => current && dispatch({ type: 'preview', offset: shown, text: [`cannot preview the rerun: ${describeError(error)}`] }),
    );
    return () => {
      current = false;
    };
  }, [editing, shown, service, stage, readOnly]);

  /** y: the rerun at the offset shown, if it is valid. */
  const run = () => void (!validOffset(state.offset) && rerun.run(Number(state.offset)));
  return { state, dispatch, task: rerun.task, run };
}
