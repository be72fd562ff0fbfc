// The release build: minified ESM, dist/evfix.js (which bin/evfix runs) and the chunks it loads on demand.
// DuckDB's native binding stays a normal dependency (it cannot be bundled).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { fastStringWidth, inkOutputFastPaths, reactCopiedOnce, releaseOptions, yamlOnFirstParse, yogaWithoutFetch } from './esbuild.mjs';

// Chunk names carry content hashes: last build's chunks would linger beside this one's.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  ...releaseOptions,
  // Start-up patches of evfix's own; the benchmarks' reference stays a plain bundled Ink app.
  plugins: [...releaseOptions.plugins, yogaWithoutFetch, fastStringWidth, yamlOnFirstParse, reactCopiedOnce, inkOutputFastPaths],
  entryPoints: { evfix: 'src/main.ts' },
  outdir: 'dist',
  // Code behind a dynamic import (the BigQuery client, a third of the code; the screens, for subcommands)
  // goes in chunks of its own, compiled only by the runs that load it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'linked',
});
