// npm run bench: bundles the benchmarks and the start-up reference app (with the release options any bundled
// Ink app would use, React's production build among them, but none of evfix's own start-up patches), then
// runs them. Arguments after -- go to bench/run.ts (--check, --quick, --only=NAME).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { releaseOptions } from './esbuild.mjs';

await build({ ...releaseOptions, entryPoints: ['bench/reference/minimalList.tsx'], outfile: 'bench/.build/minimal.mjs', jsx: 'automatic' });
// Packages stay in node_modules: the BigQuery emulator starts ZetaSQL's server from its package folder.
await build({ ...releaseOptions, minify: false, entryPoints: ['bench/run.ts'], outfile: 'bench/.build/run.mjs', define: {}, packages: 'external' });
// The plan benchmarks run evfix's command line as a process of its own, with the bench's clock.
await build({ ...releaseOptions, minify: false, entryPoints: ['bench/lib/cliAtNow.ts'], outfile: 'bench/.build/cli.mjs', define: {} });
const result = spawnSync(process.execPath, ['bench/.build/run.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
