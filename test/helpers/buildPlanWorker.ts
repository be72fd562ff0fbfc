/**
 * Vitest's global setup: bundles the plan worker from src/ (as the release build does into
 * dist/plan-worker.js), so tests run the worker thread of the code under test, not of the last build.
 */
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';
import { PLAN_WORKER } from './planWorkerPath.js';

export default async function setup() {
  mkdirSync(new URL('.', PLAN_WORKER), { recursive: true });
  await build({
    entryPoints: ['src/data/plans/planWorker.ts'],
    outfile: PLAN_WORKER.pathname,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@duckdb/node-api'],
    banner: { js: "import { createRequire as __evfixRequire } from 'node:module'; const require = __evfixRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
