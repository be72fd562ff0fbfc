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
  /**
   * Hands queued keys to the screen: the first at once, then every pure key
   * that follows a pure key; a key that reads state waits for the next render.
   * Returns whether keys are left for after that render.
   */
  const drain = useCallback((): boolean => {
    // The most recently activated screen has the keys.
    const target = top();
    let previousPure = true;
    for (let first = true; queue.current.length; first = false) {
      const name = queue.current[0]!;
      const pure = target?.pure(name) ?? false;
      if (!first && !(pure && previousPure)) break;
      queue.current.shift();
      if (target?.accepts(name)) target.handle(name);
      previousPure = pure;
    }
    return queue.current.length > 0;
  }, []);
  useInput((input, key) => {
    const target = top();
    const names = keyNames(input, key).filter((n) => n !== 'ctrl-c' && target?.accepts(n));
    if (!names.length) return;
    const idle = queue.current.length === 0;
    queue.current.push(...names);
    // With nothing queued the keys are handled now: one render per key, not a render to schedule the key
    // and another to show it (Ink throttles renders, so the second one would wait a frame).
    if (!idle || drain()) setTick((t) => t + 1);
  });
  useEffect(() => {
    if (tick && drain()) setTick((t) => t + 1);
  }, [tick, drain]);
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
