/**
 * The release bundle's fast paths in Ink's output (scripts/esbuild.mjs, ink-output-fast-paths) change no frame:
 * the same app, bundled with and without them, draws byte-identical frames through a sequence of renders with
 * colours, inverse rows, wide and combining characters, lines that come back after they left, styled blanks at
 * the end of a line, and a resize.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { inkOutputFastPaths, releaseOptions } from '../../scripts/esbuild.mjs';
import { tempDir } from '../helpers/warehouse.js';

const APP = `
import React from 'react';
import { render, Box, Text } from 'ink';
import { EventEmitter } from 'node:events';
const frames = [];
class Out extends EventEmitter { columns = 300; rows = 80; isTTY = false; write(f) { frames.push(f); return true; } }
const stdout = new Out();
const words = ['Pending', 'Sent', '界隈', 'é', 'e\\u0301', '👍🏽', '·', '≠', 'x'.repeat(120)];
function App({ step }) {
  const rows = Array.from({ length: 70 }, (_, i) => (i * 7 + step * 3) % 90);
  return React.createElement(Box, { flexDirection: 'column' },
    React.createElement(Text, { color: step % 2 ? 'red' : undefined, bold: step % 3 === 0 }, 'title ' + step),
    // Styled blanks at the end of a line (a background, an inverse space) are text, not empty cells: they stay.
    React.createElement(Text, { backgroundColor: step % 2 ? 'blue' : undefined }, 'status' + ' '.repeat(step % 4)),
    React.createElement(Text, { inverse: true }, step % 3 ? '   ' : ' x '),
    // Neighbouring cells whose styles end alike but start differently (two colours; bold next to dim).
    React.createElement(Text, null,
      React.createElement(Text, { color: 'red' }, 'ab'), React.createElement(Text, { color: step % 2 ? 'blue' : 'red' }, 'cd'),
      React.createElement(Text, { bold: true }, 'ef'), React.createElement(Text, { dimColor: true }, 'gh')),
    React.createElement(Box, { backgroundColor: step % 4 ? 'green' : undefined, width: 10 + step, height: 1 }),
    ...rows.map((r, i) => React.createElement(Box, { key: i, height: 1 },
      React.createElement(Text, { inverse: i === step % 70, wrap: 'truncate-end', dimColor: r % 5 === 0 },
        String(r).padStart(4) + ' ' + words[r % words.length] + ' ' + words[(r + step) % words.length]))));
}
const app = render(React.createElement(App, { step: 0 }), { stdout, debug: true, patchConsole: false, exitOnCtrlC: false });
for (let step = 1; step < 40; step++) {
  if (step === 20) { stdout.columns = 120; stdout.emit('resize'); }
  app.rerender(React.createElement(App, { step: step % 25 }));
}
app.unmount();
process.stdout.write(JSON.stringify(frames));
`;

async function framesOf(dir: string, plugins: unknown[]): Promise<string[]> {
  const entry = join(dir, 'app.mjs');
  writeFileSync(entry, APP);
  const out = join(dir, `bundle-${plugins.length}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'silent',
    nodePaths: [join(process.cwd(), 'node_modules')],
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    // The release bundle's own plugins (react-devtools-core stubbed, among others) under both.
    plugins: [...releaseOptions.plugins, ...plugins] as never,
  });
  // Colours forced: the style fast path must meet styled cells next to plain ones.
  return JSON.parse(
    execFileSync(process.execPath, [out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '3' } }),
  ) as string[];
}

describe('ink-output-fast-paths', () => {
  it('draws the same frames as Ink without them', async () => {
    const dir = tempDir();
    const plain = await framesOf(dir, []);
    const fast = await framesOf(dir, [inkOutputFastPaths]);
    expect(plain.length).toBeGreaterThan(30);
    expect(plain.join('')).toMatch(/\x1b\[(31|7|2|1)m/);
    expect(fast).toEqual(plain);
  }, 60_000);
});
