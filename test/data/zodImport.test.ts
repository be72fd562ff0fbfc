/**
 * evfix imports zod as a namespace (`import * as z from 'zod'`, as zod's documentation writes it). Imported
 * as `import { z } from 'zod'` it cannot be tree-shaken: the bundle then holds all of zod, twice the code
 * the TUI compiles and runs before its first frame (about 20 ms of every start).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

it('every import of zod in src/ is `import * as z from "zod"` (or type-only)', () => {
  const offending = sources('src').flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+['"]zod(?:\/[^'"]*)?['"]/gm)]
      .filter((m) => !/^\*\s+as\s+\w+$/.test(m[1]!.trim()))
      .map((m) => `${file}: ${m[0].replace(/\s+/g, ' ')}`),
  );
  expect(offending).toEqual([]);
});
