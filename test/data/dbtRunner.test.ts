/**
 * The dbt command line evfix runs for a rerun: the model (and its downstream
 * models with `+`), the date offset as --vars, and the same project,
 * profiles dir, profile and target that evfix read its warehouse from.
 */
import { describe, expect, it } from 'vitest';
import { dbtArguments, dbtCommandLine, type DbtSettings } from '../../src/data/dbt/runner.js';

const stage = { name: 'remittance_was_sent_event', event_name: 'RemittanceWasSent', business_keys: [], columns: [] };
const settings = (extra: Partial<DbtSettings> = {}): DbtSettings => ({ executable: 'dbt', project_dir: '/srv/analytics', downstream: false, ...extra });

describe('the dbt command line', () => {
  it('selects the model with the offset and passes --profile, --profiles-dir and --target when configured', () => {
    expect(dbtArguments(settings({ profiles_dir: '/srv/dbt-profiles', profile: 'warehouse', target: 'prod', downstream: true }), stage, 3)).toEqual([
      'run',
      '--select',
      'remittance_was_sent_event+',
      '--vars',
      '{"current_date_offset":3}',
      '--project-dir',
      '/srv/analytics',
      '--profiles-dir',
      '/srv/dbt-profiles',
      '--profile',
      'warehouse',
      '--target',
      'prod',
    ]);
    expect(dbtCommandLine(settings({ profile: 'warehouse', target: 'prod' }), stage, 0)).toBe(
      `dbt run --select remittance_was_sent_event --vars '{"current_date_offset":0}' --project-dir /srv/analytics --profile warehouse --target prod`,
    );
  });

  it('leaves profile, profiles dir and target to dbt (and its DBT_* variables) when the config does not name them', () => {
    expect(dbtArguments(settings(), stage, 1)).toEqual([
      'run',
      '--select',
      'remittance_was_sent_event',
      '--vars',
      '{"current_date_offset":1}',
      '--project-dir',
      '/srv/analytics',
    ]);
  });
});
