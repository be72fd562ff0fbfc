/**
 * Confirm's line about cost: what the plan's apply script would scan, from the engine's dry run, against the
 * threshold over which the apply is refused. Engines without an estimate (DuckDB) answer null and the screen shows
 * nothing; so does it until the answer comes. A failed estimate says so in the line (apply checks again anyway).
 */
import { useEffect, useState } from 'react';
import { describeError } from '../data/errors.js';
import { describeEstimate } from '../data/operations/estimate.js';
import { printable } from '../data/printable.js';
import type { ScreenProps } from './navigation.js';

/** Zero or one row for the confirm screen's summary. */
export function useEstimate(services: ScreenProps['services'], planId: string): string[] {
  const [rows, setRows] = useState<string[]>([]);
  useEffect(() => {
    let gone = false;
    setRows([]);
    services.service.call('estimatePlan', { plan: planId }).then(
      (estimate) => !gone && setRows(estimate ? [`  ${describeEstimate(estimate)}`] : []),
      (error: unknown) => !gone && setRows([`  BigQuery estimate: not computed: ${printable(describeError(error))}`]),
    );
    return () => {
      gone = true;
    };
  }, [services, planId]);
  return rows;
}
