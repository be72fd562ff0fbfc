/**
 * Putting the operator's description on a plan: every row carries it, so the
 * plan is resealed (a moment for 100,000 rows, done in slices). The flash says
 * so meanwhile, and a second request while one runs (enter pressed twice, or
 * in one burst) is ignored.
 */
import { useRef, useState } from 'react';
import { describeError } from '../data/errors.js';
import type { PlanRef } from '../data/plans/planRef.js';
import type { Flash } from '../components/Frame.js';

export function useRedescribe(setFlash: (flash: Flash) => void) {
  const running = useRef(false);
  const [sealing, setSealing] = useState(false);
  const describe = (plan: PlanRef, text: string, done: (described: PlanRef) => void, failed?: () => void) => {
    if (running.current) return;
    running.current = true;
    setSealing(true);
    setFlash({ text: `putting the description on ${plan.info.rows} row(s)…`, tone: 'muted' });
    const finish = () => {
      running.current = false;
      setSealing(false);
    };
    plan.redescribe(text).then(
      (described) => {
        finish();
        setFlash(null);
        done(described);
      },
      (error: unknown) => {
        finish();
        setFlash({ text: describeError(error), tone: 'danger' });
        failed?.();
      },
    );
  };
  return { sealing, describe };
}
