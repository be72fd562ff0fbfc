/**
 * Vitest's global setup: bundles the plan worker from src/ with the release build's options (as
 * scripts/bundle.mjs does into dist/plan-worker.js), so tests run the worker of the code under test, not of
 * the last build.
 */
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';
// @ts-ignore: the build scripts are plain JS modules without type declarations (tests are not type-checked).
import { releaseOptions } from '../../scripts/esbuild.mjs';
import { PLAN_WORKER } from './planWorkerPath.js';

export default async function setup() {
  mkdirSync(new URL('.', PLAN_WORKER), { recursive: true });
  await build({ ...releaseOptions, minify: false, entryPoints: ['src/data/plans/planWorker.ts'], outfile: PLAN_WORKER.pathname });
}
