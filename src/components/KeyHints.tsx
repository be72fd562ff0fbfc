/**
 * The footer: the current screen's keys, from its bindings table, built to fit
 * the width. Bindings with a footer priority are taken in priority order while
 * they fit; a hint is never cut in half, and the help key is always there (the
 * overlay lists the rest). Bindings of one group share a hint ("j/k move").
 */
import { Text } from 'ink';
import { keyLabel, type Binding } from './keys.js';
import { tone } from './theme.js';

type Hint = { keys: string[]; help: string; priority: number; group?: string };

const GAP = '  ';
const text = (h: Hint) => `${h.keys.join('/')} ${h.help}`;

export function footerHints(bindings: readonly Binding[], width: number): string {
  const hints: Hint[] = [];
  for (const b of bindings) {
    if (b.footer === undefined) continue;
    const shared = b.group ? hints.find((h) => h.group === b.group) : undefined;
    if (shared) {
      shared.keys.push(keyLabel(b.keys[0]!));
      shared.priority = Math.min(shared.priority, b.footer);
    } else hints.push({ keys: [keyLabel(b.keys[0]!)], help: b.group ?? b.help, priority: b.footer, group: b.group });
  }
  // Priority 0 (help) first, then by priority, declaration order breaking ties; shown in declaration order.
  const byPriority = [...hints].sort((a, b) => a.priority - b.priority);
  const chosen = new Set<Hint>();
  let used = 0;
  for (const h of byPriority) {
    const cost = text(h).length + (chosen.size ? GAP.length : 0);
    // The first hint that does not fit ends the footer: a lower priority never shows where a higher one could not.
    if (used + cost > width && h.priority > 0) break;
    chosen.add(h);
    used += cost;
  }
  return hints
    .filter((h) => chosen.has(h))
    .map(text)
    .join(GAP);
}

export function KeyHints({ bindings, width }: { bindings: readonly Binding[]; width: number }) {
  return (
    <Text color={tone('muted')} wrap="truncate-end">
      {footerHints(bindings, width) || ' '}
    </Text>
  );
}
