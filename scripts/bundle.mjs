// The release build: one minified ESM file, dist/evfix.js, that bin/evfix runs.
// DuckDB's native binding stays a normal dependency (it cannot be bundled).
import { build } from 'esbuild';
import { releaseOptions } from './esbuild.mjs';

await build({
  ...releaseOptions,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/evfix.js',
  sourcemap: 'linked',
  legalComments: 'linked',
});
