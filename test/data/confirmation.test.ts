/** How a write is confirmed: one description, used by the CLI and the confirm screen. */
import { describe, expect, it } from 'vitest';
import { confirmsByTypedName, confirmWords, yesAloneRefusal } from '../../src/data/confirmation.js';

const none = { exceptions: 0, exclusions: 0 };

describe('confirmation', () => {
  it('asks in the words of what happens to the rows', () => {
    expect(confirmWords({ exceptions: 2, exclusions: 1, deleted: none }).question).toBe('Write these rows?');
    expect(confirmWords({ ...none, deleted: { exceptions: 2, exclusions: 0 } })).toEqual({ verb: 'delete', question: 'Delete these rows?', done: 'deleted' });
    expect(confirmWords({ exceptions: 1, exclusions: 0, deleted: { exceptions: 0, exclusions: 1 } }).verb).toBe('write and delete');
  });

  it('has the stage name typed in production only, and caps --yes alone there', () => {
    const prod = { environment: 'prod' as const, prod_yes_max_rows: 100 };
    expect(confirmsByTypedName(prod)).toBe(true);
    expect(confirmsByTypedName({ environment: 'dev' })).toBe(false);
    expect(yesAloneRefusal(prod, 100, 's')).toBeUndefined();
    expect(yesAloneRefusal(prod, 101, 's')).toBe('this production change touches 101 rows, more than --yes alone may (100); add --confirm-table s');
    expect(yesAloneRefusal({ environment: 'staging', prod_yes_max_rows: 0 }, 5, 's')).toBeUndefined();
  });
});
