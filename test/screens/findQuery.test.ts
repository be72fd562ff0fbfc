/** What the find-events form becomes: the parser's own messages, the window checks, the exclusion's lookback. */
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/data/errors.js';
import { parseCondition } from '../../src/data/selection.js';
import { parseTimestamp } from '../../src/data/timestamp.js';
import { boundProblem, conditionProblem, findSelection, lookbackReaching, markedSelection, windowProblem } from '../../src/screens/findQuery.js';

describe('find query', () => {
  it("refuses a condition with --where's own message, and takes what --where takes", () => {
    for (const bad of ['$.Status=Pending', 'nope=1', '$.amount>"x"', '$.Status', 'user_id>3']) {
      let cli = '';
      try {
        parseCondition(bad);
      } catch (error) {
        cli = describeError(error);
      }
      expect(cli).not.toBe('');
      expect(conditionProblem(bad)).toBe(cli);
    }
    for (const good of [
      '$.Status="Pending"',
      '$.amount >= 100',
      '$.Status in ["A","B"]',
      '$.note is missing',
      'user_id=u-42',
      'event_ingested_at>=2026-11-01',
    ]) {
      expect(conditionProblem(good)).toBeUndefined();
    }
  });

  it('checks the window bounds and their order, and leaves an empty bound to the lookback', () => {
    expect(boundProblem('', 'from')).toBeUndefined();
    expect(boundProblem('yesterday', 'from')).toBe('from: "yesterday" is not a timestamp; expected YYYY-MM-DD HH:MM:SS[.ffffff] (UTC)');
    expect(windowProblem('2026-03-12', '2026-03-10')).toBe('until: 2026-03-10 00:00:00.000000 is not after from (2026-03-12 00:00:00.000000)');
    expect(windowProblem('2026-03-10', '2026-03-12')).toBeUndefined();
    expect(findSelection({ from: ' ', until: '', conditions: ['$.a=1'] })).toEqual({ where: ['$.a=1'] });
    expect(findSelection({ from: '2026-03-01', until: '2026-03-02', conditions: [] })).toEqual({ from: '2026-03-01', until: '2026-03-02', where: [] });
  });

  it('names marked events by key with the conditions again, and no window (the keys set it)', () => {
    expect(markedSelection([{ event_id: 'a', event_created_at: 't' }], ['$.a=1'])).toEqual({
      keys: [{ event_id: 'a', event_created_at: 't' }],
      where: ['$.a=1'],
    });
  });

  it('widens the lookback of an exclusion to reach the day a find starts, and keeps the configured one otherwise', () => {
    const now = parseTimestamp('2026-03-15 12:00:00');
    expect(lookbackReaching('', now)).toBeUndefined();
    expect(lookbackReaching('2026-03-01 08:00', now)).toBe(14);
    expect(lookbackReaching('2025-01-01', now)).toBe(438);
    expect(lookbackReaching('2026-03-15 13:00', now)).toBe(1);
  });
});
