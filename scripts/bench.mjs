// npm run bench: bundles the benchmarks and the start-up reference app (with the release options any bundled
// Ink app would use, React's production build among them, but none of evfix's own start-up patches), then
// runs them. Arguments after -- go to bench/run.ts (--check, --quick, --only=NAME).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { releaseOptions } from './esbuild.mjs';

await build({ ...releaseOptions, entryPoints: ['bench/reference/minimalList.tsx'], outfile: 'bench/.build/minimal.mjs', jsx: 'automatic' });
await build({ ...releaseOptions, minify: false, entryPoints: ['bench/run.ts'], outfile: 'bench/.build/run.mjs', define: {} });
const result = spawnSync(process.execPath, ['bench/.build/run.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
