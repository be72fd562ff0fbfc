/** Where test/helpers/buildPlanWorker.ts puts the bundled plan worker (inside the repo, so node_modules resolve). */
export const PLAN_WORKER = new URL('../.build/plan-worker.mjs', import.meta.url);
