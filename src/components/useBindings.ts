/** Runs a screen's bindings: each key of an input event becomes one action, in order. */
import { useInput } from 'ink';
import { useRef } from 'react';
import { actionsFor, keyNames, type Binding } from './keys.js';

export function useBindings<A extends string>(bindings: readonly Binding<A>[], onAction: (action: A) => void, isActive: boolean) {
  // The latest handler, so a key never runs against a stale render's state.
  const handler = useRef(onAction);
  handler.current = onAction;
  useInput(
    (input, key) => {
      for (const action of actionsFor(bindings, keyNames(input, key))) handler.current(action);
    },
    { isActive },
  );
}
