/** BigQuery's failures in words an operator can act on, for the reasons that look alike. */
import { describe, expect, it } from 'vitest';
import { translate } from '../../src/data/bigquery/errors.js';

const failure = (reason: string, message: string) => Object.assign(new Error(message), { code: 400, errors: [{ reason, message }] });

describe('translate', () => {
  it('says a transaction aborted by a concurrent update was aborted, even when BigQuery gives reason stopped', () => {
    const aborted = translate(
      failure('stopped', 'Transaction is aborted due to concurrent update against table p:s3.backend_events_exceptions.'),
      'applying plan x',
      'p',
    );
    expect(aborted.message).toBe(
      'applying plan x: another job changed the same table at the same moment, so BigQuery aborted this transaction. Nothing was written; run it again.',
    );
  });

  it('says a job stopped by a cancel was cancelled', () => {
    const cancelled = translate(failure('stopped', 'Job execution was cancelled: User requested cancellation'), 'listing duplicates', 'p');
    expect(cancelled.message).toBe('listing duplicates: cancelled; BigQuery stopped the job');
  });
});
