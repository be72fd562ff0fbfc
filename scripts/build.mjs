// The build: tsc (type check), then the release bundle (scripts/bundle.mjs), which bin/evfix runs.
//
//   node scripts/build.mjs             builds, always: npm run build, npm test, prepack and bench (CI builds fresh)
//   node scripts/build.mjs --if-stale  builds only when dist/ is not a build of the sources as they are now
//                                      (npm start); the rule is in scripts/upToDate.mjs
//
// Either way a successful build records what it was built from (dist/.build-stamp.json), so a start after
// `npm run build` or `npm test` does not build again. A build says so on stderr, with why and how long it
// took; a start that needs none says nothing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkBuild, clearStamp, inputDigests, writeStamp } from './upToDate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const ifStale = process.argv.includes('--if-stale');

// Read before building: an edit made while the build runs is then seen by the next start.
const digests = inputDigests(root);
let reason;
if (ifStale) {
  const check = checkBuild(root, digests);
  if (check.upToDate) process.exit(0);
  reason = check.reason;
}

const started = performance.now();
process.stderr.write(`evfix: building…${reason ? ` (${reason})` : ''}\n`);
clearStamp(root);
const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('evfix: build failed (tsc, above)\n');
  process.exit(tsc.status || 1);
}
try {
  await import('./bundle.mjs');
} catch (error) {
  process.stderr.write(`evfix: build failed (bundle): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
writeStamp(root, digests);
process.stderr.write(`evfix: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
