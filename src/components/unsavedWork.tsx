/**
 * Work that one key would throw away: each mounted screen says what leaving it drops ("2 changes", "3 marked
 * groups"), so esc can ask before leaving a screen and q before quitting the whole stack. Screens under the top
 * one stay mounted, so q sees the edits of the update form under the diff and the confirm screen.
 *
 * The question itself ("discard 1 change? y/N") is shown by the Frame on screen, like the app's notices.
 */
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { thousands } from '../data/counts.js';

type Entry = { what: string | null; ends: boolean };

export type UnsavedWork = {
  /** Registers (or updates) what the screen `id` would drop; `ends`: nothing under it is ever returned to. */
  set: (id: number, entry: Entry) => void;
  remove: (id: number) => void;
  /** What quitting now would drop, bottom screen first. */
  all: () => string[];
  /** The question on screen, or null. */
  ask: (question: string | null) => void;
  nextId: () => number;
  /** False in read-only mode: nothing done there can be written, so there is nothing to lose by leaving. */
  enabled: boolean;
};

const Registry = createContext<UnsavedWork | null>(null);
export const PendingQuestion = createContext<string | null>(null);

export function UnsavedWorkProvider({ children, readOnly = false }: { children: ReactNode; readOnly?: boolean }) {
  const entries = useRef(new Map<number, Entry>());
  const ids = useRef(0);
  const [question, setQuestion] = useState<string | null>(null);
  const registry = useMemo<UnsavedWork>(
    () => ({
      set: (id, entry) => void entries.current.set(id, entry),
      remove: (id) => void entries.current.delete(id),
      all: () => {
        if (readOnly) return [];
        let lost: string[] = [];
        // Screens mount bottom first, so ids are in stack order. Past a screen that ends its flow (apply: the
        // plan is written or refused, and every way out goes home), what lies under it is no longer work.
        for (const [, e] of [...entries.current].sort(([a], [b]) => a - b)) {
          if (e.ends) lost = [];
          if (e.what) lost.push(e.what);
        }
        return lost;
      },
      ask: setQuestion,
      nextId: () => ++ids.current,
      enabled: !readOnly,
    }),
    [readOnly],
  );
  return (
    <Registry.Provider value={registry}>
      <PendingQuestion.Provider value={question}>{children}</PendingQuestion.Provider>
    </Registry.Provider>
  );
}

/** Outside the App (a screen rendered alone in a test) nothing is registered and nothing is asked about quitting. */
const NONE: UnsavedWork = { set: () => undefined, remove: () => undefined, all: () => [], ask: () => undefined, nextId: () => 0, enabled: false };

/** The registry, for what is not a screen (the too-small notice) but asks before q drops the screens' work. */
export const useWorkRegistry = (): UnsavedWork => useContext(Registry) ?? NONE;

/** Keeps this screen's entry current; returns the registry. */
export function useUnsavedWork(what: string | null, ends: boolean): UnsavedWork {
  const registry = useContext(Registry) ?? NONE;
  const id = useRef(0);
  if (!id.current) id.current = registry.nextId();
  // Set during render, not in an effect: a key handled straight after this render must see it.
  const entry = { what, ends };
  registry.set(id.current, entry);
  const latest = useRef(entry);
  latest.current = entry;
  useEffect(() => {
    registry.set(id.current, latest.current);
    return () => registry.remove(id.current);
  }, [registry]);
  return registry;
}

/** "1 change", "3 changes"; "1 chosen copy", "2 chosen copies". */
export const count = (n: number, one: string, many = `${one}s`) => `${thousands(n)} ${n === 1 ? one : many}`;

/** "a, b and c". */
export const listed = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
