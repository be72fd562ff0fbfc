/**
 * The stage tables screen's state: the filter and whether it is being typed, each stage's counts as they
 * arrive, and the list of the stages the filter shows (the shared list reducer). A reducer of plain actions,
 * testable without rendering; the hook adds the reads, which start again when the screen comes back into view.
 */
import { useEffect, useMemo, useReducer } from 'react';
import type { StageConfig } from '../data/config.js';
import { describeError } from '../data/errors.js';
import type { Reply, StageSummaryReply } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';
import { initialList, listReducer, type ListAction, type ListState } from '../components/listState.js';

export type PendingRerun = Reply<'pendingReruns'>[number];

export type StageCounts =
  | { status: 'loading' }
  | { status: 'done'; summary: StageSummaryReply; pending: PendingRerun | null }
  | { status: 'failed'; message: string };

export type StageTablesState = {
  filter: string;
  /** The filter field has the keys. */
  filtering: boolean;
  /** By stage name; a stage not there yet has not been asked for. */
  counts: Readonly<Record<string, StageCounts>>;
  /** Bumped by r: the counts are read again. */
  generation: number;
  list: ListState;
};

export type StageTablesAction =
  | { type: 'typeFilter'; text: string }
  | { type: 'openFilter' }
  /** enter in the filter: it stays, the list has the keys again. */
  | { type: 'keepFilter' }
  /** esc: closes the filter field, or clears the filter (the first screen has nowhere to go back to). */
  | { type: 'back' }
  | { type: 'counts'; stage: string; counts: StageCounts }
  | { type: 'reload' }
  | { type: 'list'; action: ListAction };

export const initialStageTables = (options: { stages: number; height: number }): StageTablesState => ({
  filter: '',
  filtering: false,
  counts: {},
  generation: 0,
  list: initialList(options.stages, options.height),
});

export function stageTablesReducer(state: StageTablesState, action: StageTablesAction): StageTablesState {
  switch (action.type) {
    case 'typeFilter':
      return { ...state, filter: action.text };
    case 'openFilter':
      return { ...state, filtering: true };
    case 'keepFilter':
      return { ...state, filtering: false };
    case 'back':
      return state.filtering ? { ...state, filtering: false } : { ...state, filter: '' };
    case 'counts':
      return { ...state, counts: { ...state.counts, [action.stage]: action.counts } };
    case 'reload':
      return { ...state, generation: state.generation + 1 };
    case 'list':
      return { ...state, list: listReducer(state.list, action.action) };
  }
}

/** The stages whose name or event name holds the filter (any case). */
export function filteredStages(stages: readonly StageConfig[], filter: string): StageConfig[] {
  const wanted = filter.toLowerCase();
  return stages.filter((s) => !filter || `${s.name} ${s.event_name}`.toLowerCase().includes(wanted));
}

/** Whether a count is still being read (or not asked for yet). */
export const counting = (stages: readonly StageConfig[], counts: StageTablesState['counts']) =>
  stages.some((s) => counts[s.name]?.status === 'loading' || !counts[s.name]);

export function useStageTablesState(service: Service, active: boolean, listHeight: number) {
  const config = service.config;
  const [state, dispatch] = useReducer(stageTablesReducer, { stages: config.stages.length, height: listHeight }, initialStageTables);
  const stages = useMemo(() => filteredStages(config.stages, state.filter), [config.stages, state.filter]);
  useEffect(() => dispatch({ type: 'list', action: { type: 'reset', count: stages.length } }), [stages.length]);
  useEffect(() => dispatch({ type: 'list', action: { type: 'resize', height: listHeight } }), [listHeight]);

  // Reload whenever the screen comes back into view: a plan may have just changed the counts.
  // biome-ignore lint/correctness/useExhaustiveDependencies: state.generation is the reload request (r), not a value the effect reads
  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    // All stages at once: on the embedded warehouse their reads share one open file (it is opened and released
    // around each read otherwise, which cost more than the counting), on BigQuery they are jobs that run side by
    // side. Each row fills in as its counts arrive.
    for (const stage of config.stages) {
      dispatch({ type: 'counts', stage: stage.name, counts: { status: 'loading' } });
      void Promise.all([service.call('stageSummary', { stage: stage.name }), service.call('pendingReruns', { stage: stage.name })]).then(
        ([summary, [pending]]) => !cancelled && dispatch({ type: 'counts', stage: stage.name, counts: { status: 'done', summary, pending: pending ?? null } }),
        (error: unknown) => !cancelled && dispatch({ type: 'counts', stage: stage.name, counts: { status: 'failed', message: describeError(error) } }),
      );
    }
    return () => {
      cancelled = true;
    };
  }, [active, state.generation, service, config]);

  return { state, dispatch, stages };
}
