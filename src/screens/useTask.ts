/** One piece of async work a screen runs and shows: running, done, or failed with a message. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../data/errors.js';

export type Task<T> =
  | { status: 'idle' }
  | { status: 'running'; startedAt: number }
  | { status: 'done'; value: T; startedAt: number; finishedAt: number }
  | { status: 'failed'; message: string; startedAt: number };

export function useTask<T, Args extends unknown[]>(work: (...args: Args) => Promise<T>) {
  const [task, setTask] = useState<Task<T>>({ status: 'idle' });
  const mounted = useRef(true);
  const generation = useRef(0);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(
    async (...args: Args): Promise<T | undefined> => {
      const id = ++generation.current;
      const startedAt = Date.now();
      setTask({ status: 'running', startedAt });
      try {
        const value = await work(...args);
        // A newer run, or a screen that is gone, must not be overwritten by a late answer.
        if (mounted.current && id === generation.current) setTask({ status: 'done', value, startedAt, finishedAt: Date.now() });
        return value;
      } catch (error) {
        if (mounted.current && id === generation.current) setTask({ status: 'failed', message: describeError(error), startedAt });
        return undefined;
      }
    },
    [work],
  );
  const reset = useCallback(() => setTask({ status: 'idle' }), []);
  return { task, run, reset };
}
