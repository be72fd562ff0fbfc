/**
 * Putting the operator's description on a plan: the description is part of the plan's definition, so it is a
 * new plan (same facts, a new id). A second request while one runs (enter pressed twice, or in one burst) is
 * ignored.
 */
import { useRef, useState } from 'react';
import { describeError } from '../data/errors.js';
import type { Plan } from '../data/plan.js';
import type { Service } from '../data/service/service.js';
import type { Flash } from '../components/Frame.js';

export function useRedescribe(service: Service, setFlash: (flash: Flash) => void) {
  const running = useRef(false);
  const [sealing, setSealing] = useState(false);
  const describe = (plan: Plan, text: string, done: (described: Plan) => void, failed?: () => void) => {
    if (running.current) return;
    running.current = true;
    setSealing(true);
    const finish = () => {
      running.current = false;
      setSealing(false);
    };
    service.call('describePlan', { plan: plan.id, description: text }).then(
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
