// The release build: minified ESM, dist/evfix.js (which bin/evfix runs) and the chunks it loads on demand.
// DuckDB's native binding stays a normal dependency (it cannot be bundled).
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { fastStringWidth, inkOutputFastPaths, reactCopiedOnce, releaseOptions, YAML_BUNDLE, yamlOnFirstParse, yogaWithoutFetch } from './esbuild.mjs';

// Chunk names carry content hashes: last build's chunks would linger beside this one's.
rmSync('dist/chunks', { recursive: true, force: true });

const result = await build({
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
  metafile: true,
});

// yaml, in a file of its own that the shims of yamlOnFirstParse require (relative to the chunk they are in).
await build({
  entryPoints: [createRequire(import.meta.url).resolve('yaml')],
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: releaseOptions.target,
  outfile: YAML_BUNDLE,
  legalComments: 'linked',
  logLevel: 'warning',
});
const shimIn = Object.entries(result.metafile.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith('yaml-on-first-parse:')));
if (shimIn.length === 0) throw new Error("no chunk holds yaml's shim: the check below would pass for nothing");
for (const [file] of shimIn) {
  if (dirname(file) !== dirname(YAML_BUNDLE)) throw new Error(`yaml's shim landed in ${file}, which cannot require ./yaml.cjs: see yamlOnFirstParse`);
}
