import { describe, expect, it } from 'vitest';
import { wrapIncremental } from '../../src/components/inkIncrementalFix.js';
import { Screen } from '../helpers/screen.js';

type Create = (stream: { write: (s: string) => boolean }, options: { incremental: boolean }) => never;

async function incrementalRenderer(): Promise<Create> {
  const url = new URL('./log-update.js', import.meta.resolve('ink'));
  return ((await import(url.href)) as { default: { create: Create } }).default.create;
}

async function draw(frames: string[], fix: boolean) {
  const screen = new Screen(20, 10);
  let bytes = '';
  const stream = {
    write: (s: string) => {
      bytes += s;
      return true;
    },
  };
  const create = await incrementalRenderer();
  const inner = create(stream, { incremental: true });
  const render = fix ? wrapIncremental(inner, stream) : (inner as unknown as (s: string) => void);
  for (const frame of frames) render(frame);
  await screen.write(bytes);
  return screen.text();
}

const frames = ['a 0\nb\nc 0\n', 'a 1\nb\nc 1\n', 'a 2\nb\nc 2\n'];

describe('Ink incremental rendering fix', () => {
  it('Ink 6.8.0 alone draws each update one line lower (remove the fix when this fails)', async () => {
    expect(await draw(frames, false)).toBe('a 0\na 1\na 2\nc 1\nc 2');
  });

  it('keeps updates in place with the fix', async () => {
    expect(await draw(frames, true)).toBe('a 2\nb\nc 2');
  });

  it('handles frames that grow and shrink', async () => {
    expect(await draw(['a\n', 'a\nb\nc\n', 'x\n', 'x\ny\n'], true)).toBe('x\ny');
  });
});
