/** The stage tables screen's reducer, without rendering: the filter, esc, counts as they arrive, reload. */
import { describe, expect, it } from 'vitest';
import { DEMO_STAGES } from '../../src/data/config.js';
import {
  counting,
  filteredStages,
  initialStageTables,
  stageTablesReducer,
  type StageTablesAction,
  type StageTablesState,
} from '../../src/screens/useStageTablesState.js';

const start = initialStageTables({ stages: DEMO_STAGES.length, height: 10 });
const run = (actions: StageTablesAction[], from: StageTablesState = start) => actions.reduce(stageTablesReducer, from);

describe('stage tables state', () => {
  it('filters by the stage name or the event name, in any case', () => {
    expect(filteredStages(DEMO_STAGES, 'CARD').map((s) => s.name)).toEqual(['card_was_shipped_event']);
    expect(filteredStages(DEMO_STAGES, 'UserWas').map((s) => s.name)).toEqual(['user_was_registered_event']);
    expect(filteredStages(DEMO_STAGES, '')).toHaveLength(DEMO_STAGES.length);
  });

  it('esc closes the filter field first, keeping what was typed; the next esc clears the filter', () => {
    const typing = run([{ type: 'openFilter' }, { type: 'typeFilter', text: 'card' }]);
    expect(typing).toMatchObject({ filtering: true, filter: 'card' });
    const closed = run([{ type: 'back' }], typing);
    expect(closed).toMatchObject({ filtering: false, filter: 'card' });
    expect(run([{ type: 'back' }], closed).filter).toBe('');
    expect(run([{ type: 'keepFilter' }], typing)).toMatchObject({ filtering: false, filter: 'card' });
  });

  it('keeps each stage counting until its counts arrive or fail; r reads them all again', () => {
    expect(counting(DEMO_STAGES, start.counts)).toBe(true);
    const summary = { stage: 's', event_name: 'E', since: '2026-03-01 00:00:00.000000', events: 3, duplicateGroups: 1, stageDuplicateGroups: 0 };
    const counted = run(
      DEMO_STAGES.map(
        (s, i) =>
          ({
            type: 'counts',
            stage: s.name,
            counts: i ? { status: 'done', summary, pending: null } : { status: 'failed', message: 'no table' },
          }) as StageTablesAction,
      ),
    );
    expect(counting(DEMO_STAGES, counted.counts)).toBe(false);
    expect(counted.counts[DEMO_STAGES[0]!.name]).toEqual({ status: 'failed', message: 'no table' });
    expect(run([{ type: 'reload' }], counted).generation).toBe(1);
  });
});
