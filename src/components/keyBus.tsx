/**
 * One keypress bus for the whole app. Keys are queued and handed to the
 * active screen in order, with a render between any two keys whose actions
 * read the screen's state, so every key sees the state the previous one
 * produced. Without it, a burst over SSH ("jj" then Enter in one read) would
 * open the row the cursor was on before the "jj", and keys typed ahead of a
 * screen change would be lost.
 */
import { useInput } from 'ink';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { keyNames, type KeyName } from './keys.js';

export type KeyTarget = {
  /** Whether the key means something to the screen as it is drawn now (a focused text field takes the rest). */
  accepts: (name: KeyName) => boolean;
  handle: (name: KeyName) => void;
  /** True when the key's action only updates state (a cursor move) and never reads it: a run of them needs no render between. */
  pure: (name: KeyName) => boolean;
};

type Bus = { register: (target: { current: KeyTarget }) => () => void };

const KeyBus = createContext<Bus | null>(null);

export function KeyBusProvider({ children }: { children: ReactNode }) {
  const queue = useRef<KeyName[]>([]);
  const targets = useRef<{ current: KeyTarget }[]>([]);
  const [tick, setTick] = useState(0);
  const top = () => targets.current[targets.current.length - 1]?.current;
  useInput((input, key) => {
    const target = top();
    const names = keyNames(input, key).filter((n) => n !== 'ctrl-c' && target?.accepts(n));
    if (!names.length) return;
    queue.current.push(...names);
    setTick((t) => t + 1);
  });
  useEffect(() => {
    // The most recently activated screen has the keys.
    const target = top();
    let previousPure = true;
    for (let first = true; queue.current.length; first = false) {
      const name = queue.current[0]!;
      const pure = target?.pure(name) ?? false;
      // A key that reads state waits for the render that shows what the keys before it did.
      if (!first && !(pure && previousPure)) break;
      queue.current.shift();
      if (target?.accepts(name)) target.handle(name);
      previousPure = pure;
    }
    if (queue.current.length) setTick((t) => t + 1);
  }, [tick]);
  const register = useCallback((target: { current: KeyTarget }) => {
    targets.current.push(target);
    return () => {
      targets.current = targets.current.filter((t) => t !== target);
    };
  }, []);
  return <KeyBus.Provider value={{ register }}>{children}</KeyBus.Provider>;
}

/** Receives the bus's keys while `active`; the target is always the latest render's. */
export function useKeyTarget(target: KeyTarget, active: boolean) {
  const bus = useContext(KeyBus);
  const ref = useRef(target);
  ref.current = target;
  useEffect(() => {
    if (!active || !bus) return;
    return bus.register(ref);
  }, [active, bus]);
}
