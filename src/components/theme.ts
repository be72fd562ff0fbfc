/**
 * Colours, honouring NO_COLOR (https://no-color.org): chalk does not, so every
 * component takes its colours from here. Meaning is never carried by colour
 * alone; markers and text say it too.
 */
export type Tone = 'accent' | 'muted' | 'danger' | 'ok' | 'warn' | 'added' | 'removed';

const PALETTE: Record<Tone, string> = {
  accent: 'cyan',
  muted: 'gray',
  danger: 'red',
  ok: 'green',
  warn: 'yellow',
  added: 'green',
  removed: 'red',
};

export const colorEnabled = (env: NodeJS.ProcessEnv = process.env) => !env.NO_COLOR;

/** The Ink colour for a tone, or undefined when colour is off. */
export const tone = (t: Tone): string | undefined => (colorEnabled() ? PALETTE[t] : undefined);
