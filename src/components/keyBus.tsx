/**
 * One keypress bus for the whole app. Every key is queued and handed, in
 * order, to the target that claims it: an overlay (help, details) before a
 * focused field, a field before its screen. Two rules make a burst over SSH
 * ("jj" then enter, or "id⏎ts⏎" pasted in one read) do what the same keys
 * typed slowly do:
 *
 * - A key that reads state (enter, tab, a screen's action) waits for a render
 *   after any key before it, so it sees the state those keys produced. Keys
 *   that only update state (a cursor move, a typed character) run back to back.
 * - A key nobody can take yet waits in the queue, with every key behind it:
 *   while a screen is busy (its target unregistered), while the next screen or
 *   the next field is not mounted yet, or while a target answers 'wait'. It is
 *   handed over as soon as a target that takes it is registered or re-renders.
 *
 * Keys come from Ink's parsed input, read raw (Ink's `useInput` names neither
 * F1 nor forward-delete), inside `useInput`'s batched updates.
 */
import { useInput, useStdin } from 'ink';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { parseKeys, type KeyName } from './keys.js';

/**
 * Ink 6.8.0's useInput throws on a modified function key it has no name for (Ctrl+F1 is `\x1b[1;5P`: the key's
 * name is undefined and its handler calls `.startsWith` on it; vadimdemedes/ink#901, fixed in Ink 7, which needs
 * Node 22). The throw escapes the stdin read and ends the process, with whatever the operator was doing. Such a
 * key means nothing to evfix (parseKeys names none), so its event is dropped where Ink emits it; every other
 * error is thrown as before. test/components/keyBus.test.tsx pins the upstream behaviour: remove this when
 * that test says Ink no longer throws.
 */
export function guardUnnamedKeys(emitter: NodeJS.EventEmitter): () => void {
  const original = emitter.emit;
  emitter.emit = function guarded(this: NodeJS.EventEmitter, event: string | symbol, ...args: unknown[]) {
    try {
      return original.call(this, event, ...args);
    } catch (error) {
      if (event === 'input' && error instanceof TypeError && /startsWith/.test(error.message)) return true;
      throw error;
    }
  } as typeof emitter.emit;
  return () => {
    emitter.emit = original;
  };
}

/**
 * What a target says of a key: 'take' it now, 'wait' (it is this target's, but not yet: the key and every
 * key behind it stay queued), or 'pass' it to the target below.
 */
export type Claim = 'take' | 'wait' | 'pass';

export type KeyTarget = {
  claim: (name: KeyName) => Claim;
  handle: (name: KeyName) => void;
  /** True when the key only updates state (a cursor move, a typed character) and reads none: a run of them needs no render between. */
  pure: (name: KeyName) => boolean;
  /** Set by useKeyTarget from the latest render. */
  active?: boolean;
};

/** Who hears a key first: overlays, then the focused field, then the screen. */
export const LAYER = { screen: 0, field: 1, overlay: 2 } as const;
export type Layer = (typeof LAYER)[keyof typeof LAYER];

type Registered = { target: { current: KeyTarget }; layer: Layer; order: number };
type Bus = { register: (target: { current: KeyTarget }, layer: Layer) => () => void; poke: () => void };

const KeyBus = createContext<Bus | null>(null);

export function KeyBusProvider({ children }: { children: ReactNode }) {
  const queue = useRef<KeyName[]>([]);
  const targets = useRef<Registered[]>([]);
  const order = useRef(0);
  // What was handled since the last render: nothing, only pure keys, or a key that may have changed what the next one reads.
  const since = useRef<'none' | 'pure' | 'impure'>('none');
  const [, setTick] = useState(0);
  const pokeScheduled = useRef(false);
  const { internal_eventEmitter: emitter } = useStdin();

  /** Hands queued keys over while the rules allow; asks for a render when a key must wait for one. */
  const drain = useCallback(() => {
    while (queue.current.length) {
      // After a key that may have changed what is bound, even who takes the next key is known only after a render.
      if (since.current === 'impure') break;
      const name = queue.current[0]!;
      let taker: KeyTarget | undefined;
      // Rendered inactive but not yet unregistered (effects run after the render): no longer a target.
      const live = targets.current.filter(({ target }) => target.current.active !== false);
      let waits = live.length === 0; // no target at all: a screen is busy or about to mount
      for (const { target } of live) {
        const claim = target.current.claim(name);
        if (claim === 'pass') continue;
        if (claim === 'take') taker = target.current;
        else waits = true;
        break;
      }
      if (waits) break;
      if (!taker) {
        queue.current.shift(); // registered targets all pass: a key nothing binds
        continue;
      }
      const pure = taker.pure(name);
      if (since.current === 'pure' && !pure) break;
      queue.current.shift();
      taker.handle(name);
      since.current = pure ? 'pure' : 'impure';
      setTick((t) => t + 1);
    }
  }, []);

  // The render that follows handled keys: their state is on screen (and in every target's closure) now.
  useEffect(() => {
    since.current = 'none';
    drain();
  });

  // Ink's parser splits a read into sequences and text runs; the raw string of the one being handled.
  const raw = useRef('');
  useEffect(() => {
    const remember = (input: string) => {
      raw.current = input;
    };
    // Registered before useInput's own listener (effects run in order), so it always runs first.
    emitter.prependListener('input', remember);
    const unguard = guardUnnamedKeys(emitter);
    return () => {
      emitter.off('input', remember);
      unguard();
    };
  }, [emitter]);
  useInput(() => {
    // Ctrl-C is the App's: it quits, or asks while a write is in flight.
    const names = parseKeys(raw.current).filter((n) => n !== 'ctrl-c');
    if (!names.length) return;
    queue.current.push(...names);
    drain();
  });

  const bus = useRef<Bus>({
    register: (target, layer) => {
      const entry = { target, layer, order: order.current++ };
      // Highest layer first; within a layer the most recently registered.
      targets.current = [...targets.current, entry].sort((a, b) => b.layer - a.layer || b.order - a.order);
      return () => {
        targets.current = targets.current.filter((t) => t !== entry);
      };
    },
    // A target re-rendered or registered: a waiting key may be its now. Handed over after a render of the bus,
    // on a later turn: a screen that finishes async work sets its state in several steps (task done, then the
    // next mode), each drawn on its own, and a key must not land in a field of the half-way state.
    poke: () => {
      if (!queue.current.length || pokeScheduled.current) return;
      pokeScheduled.current = true;
      setImmediate(() => {
        pokeScheduled.current = false;
        setTick((t) => t + 1);
      });
    },
  });
  return <KeyBus.Provider value={bus.current}>{children}</KeyBus.Provider>;
}

/** Receives the bus's keys while `active`; the target is always the latest render's. */
export function useKeyTarget(target: KeyTarget, active: boolean, layer: Layer = LAYER.screen) {
  const bus = useContext(KeyBus);
  const ref = useRef(target);
  ref.current = { ...target, active };
  useEffect(() => {
    if (!active || !bus) return;
    return bus.register(ref, layer);
  }, [active, bus, layer]);
  // After every render of an active target: keys waiting for it (a busy screen that is free again) go now.
  useEffect(() => {
    if (active) bus?.poke();
  });
}
