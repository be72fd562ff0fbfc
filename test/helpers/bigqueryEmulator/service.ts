/**
 * The REST operations: jobs.insert (query jobs, and load jobs through the
 * upload endpoint), jobs.get, jobs.getQueryResults, jobs.cancel,
 * tables.get, datasets.get — with the service's answers where failures
 * live: 409 for a reused job id, 404 for a regional job looked up without
 * its location, a query's location decided by its datasets, errors at
 * submission for what BigQuery rejects before running, errors in the job
 * for what fails while it runs.
 */
import { randomBytes } from 'node:crypto';
import { flatten, type Scope, type Session } from './catalog.js';
import { BigqueryError, errorBody, errors } from './errors.js';
import { Faults, failureOf, type FaultEffect, type FaultRequest } from './faults.js';
import { dryRunResource, JobRun, resultsPage, type EmulatorJob } from './jobs.js';
import { canonicalizeJson, namedParams, type RestQueryParameter } from './params.js';
import { dryRun, run as runStatements, split } from './script.js';
import type { Statement } from './statements.js';
import { canonicalLocation, type Store } from './store.js';
import type { Zetasql } from './zetasql.js';

export type Reply = { status: number; body: unknown } | { reset: true };

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

type QueryConfig = {
  query?: string;
  useLegacySql?: boolean;
  parameterMode?: string;
  queryParameters?: RestQueryParameter[];
  maximumBytesBilled?: string;
  createSession?: boolean;
  connectionProperties?: { key: string; value: string }[];
  defaultDataset?: { projectId?: string; datasetId: string };
};

export type ServiceOptions = { pageSize: number; runningPolls: number };

export class Service {
  readonly jobs: EmulatorJob[] = [];
  readonly runs = new Map<string, JobRun>();
  readonly sessions = new Map<string, Session>();
  readonly faults = new Faults();
  /** A test's bytes estimate for a job, instead of the emulator's. */
  estimate?: (job: EmulatorJob) => bigint | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();

  constructor(
    readonly store: Store,
    private readonly z: Zetasql,
    private readonly options: ServiceOptions,
  ) {}

  /** Waits until every job that has been allowed to start has finished. */
  async idle() {
    while (this.running.size) await Promise.all([...this.running]);
  }

  faultsFor(request: FaultRequest): { failure?: BigqueryError; effects: FaultEffect[] } {
    const effects = this.faults.take(request);
    const failure = effects.map(failureOf).find(Boolean);
    return { failure, effects };
  }

  fail(e: unknown): Reply {
    if (e instanceof BigqueryError) return { status: e.code, body: errorBody(e) };
    throw e;
  }

  /** jobs.get / getQueryResults / cancel find a job by project and id; a regional job only with its location. */
  private findJob(project: string, jobId: string, location: string | null): JobRun {
    const run = this.runs.get(`${project}:${jobId}`);
    if (!run) throw errors.jobNotFound(project, jobId);
    const where = run.view.location;
    if (location ? canonicalLocation(location) !== where : where !== 'US' && where !== 'EU') throw errors.jobNotFound(project, jobId);
    return run;
  }

  /** The datasets a job's statements name, for its location. */
  private datasetsOf(statements: readonly Statement[], project: string) {
    const out: { project: string; dataset: string }[] = [];
    for (const s of statements) {
      for (const segments of s.tables) {
        const flat = flatten(segments);
        if (flat[0]?.toUpperCase() === '_SESSION') continue;
        const info = flat.findIndex((x) => x.toUpperCase() === 'INFORMATION_SCHEMA');
        const path = info > 0 ? flat.slice(0, info) : flat.slice(0, -1);
        if (path.length === 1) out.push({ project, dataset: path[0]! });
        else if (path.length === 2) out.push({ project: path[0]!, dataset: path[1]! });
      }
    }
    return out;
  }

  async insert(
    project: string,
    body: { jobReference?: { jobId?: string; location?: string; projectId?: string }; configuration?: Record<string, unknown> },
  ): Promise<Reply> {
    const configuration = body.configuration ?? {};
    const q = configuration.query as QueryConfig | undefined;
    const dry = Boolean(configuration.dryRun);
    const jobId = body.jobReference?.jobId ?? `job_${randomBytes(12).toString('base64url')}`;
    const { failure, effects } = this.faultsFor({
      api: 'jobs.insert',
      jobId,
      query: q?.query,
      dryRun: dry,
      kind: 'query',
      location: body.jobReference?.location,
    });
    if (failure) return this.fail(failure);
    try {
      if (!q || configuration.load || configuration.extract || configuration.copy) {
        if (configuration.load) throw errors.notEmulated('load jobs from Cloud Storage are not emulated; use the upload endpoint');
        throw new BigqueryError(
          'invalid',
          'Job configuration must contain exactly one job-specific configuration object (e.g., query, load, extract, spreadsheetExtract), but there were 0: ',
        );
      }
      if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId))
        throw new BigqueryError(
          'invalid',
          `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
        );
      for (const [k, v] of Object.entries((configuration.labels ?? {}) as Record<string, string>)) {
        // Wording not verified against the service; the rule is the documented one.
        if (!LABEL_KEY.test(k))
          throw new BigqueryError(
            'invalid',
            `Invalid label key "${k}": keys must start with a lowercase letter, contain only lowercase letters, numeric characters, underscores and dashes, and be at most 63 characters long.`,
          );
        if (!LABEL_VALUE.test(String(v)))
          throw new BigqueryError(
            'invalid',
            `Invalid label value "${v}" for key "${k}": values can contain only lowercase letters, numeric characters, underscores and dashes, and be at most 63 characters long.`,
          );
      }
      if (!q.query) throw new BigqueryError('invalid', 'Query configuration must contain a query');
      if (q.useLegacySql !== false) throw errors.notEmulated('legacy SQL is not emulated (set useLegacySql: false)');
    } catch (e) {
      return this.fail(e);
    }
    const existing = this.runs.get(`${project}:${jobId}`);
    if (!dry && existing) {
      existing.view.insertRequests++;
      return this.fail(errors.duplicateJob(project, existing.view.location, jobId));
    }

    const view: EmulatorJob = {
      projectId: project,
      jobId,
      location: body.jobReference?.location ? canonicalLocation(body.jobReference.location) : 'US',
      type: 'QUERY',
      query: q.query,
      params: q.queryParameters ?? [],
      dryRun: dry,
      labels: configuration.labels as Record<string, string> | undefined,
      maximumBytesBilled: q.maximumBytesBilled,
      createSession: Boolean(q.createSession),
      state: 'RUNNING',
      cancelRequested: false,
      insertRequests: 1,
    };
    this.jobs.push(view);
    const slow = effects.reduce((n, e) => (typeof e === 'object' && 'slow' in e ? Math.max(n, e.slow) : n), 0);
    // `slow: n` answers RUNNING for exactly n status reads (held until the n-th); otherwise `runningPolls` reads.
    const run = new JobRun(view, configuration, this.store.nowMs(), dry ? 0 : slow, dry ? 0 : slow || this.options.runningPolls);
    run.cancelFinishes = effects.includes('cancel-finishes');
    run.concurrentUpdate = effects.includes('concurrent-update');

    let statements: Statement[] = [];
    let scope: Scope | undefined;
    try {
      const params = namedParams(q.queryParameters, q.parameterMode);
      await canonicalizeJson(params, this.store.canonicalJson);
      const sessionId = q.connectionProperties?.find((p) => p.key === 'session_id')?.value;
      let session = sessionId ? this.sessions.get(sessionId) : undefined;
      if (sessionId && !session) throw new BigqueryError('invalidQuery', `Session ${sessionId} was not found`);
      statements = await split(this.z, q.query!);
      if (!statements.length) throw new BigqueryError('invalidQuery', 'Syntax error: Unexpected end of script at [1:1]');
      const datasets = this.datasetsOf(statements, project);
      const explicit = body.jobReference?.location;
      const first = datasets.map((d) => this.store.dataset(d.project, d.dataset)).find(Boolean);
      view.location = explicit ? canonicalLocation(explicit) : (session?.location ?? first?.location ?? 'US');
      for (const d of datasets) {
        if (this.store.dataset(d.project, d.dataset)?.location !== view.location) throw errors.datasetNotFound(d.project, d.dataset, view.location);
      }
      if (session && session.location !== view.location)
        throw new BigqueryError('invalidQuery', `Session ${session.id} is in location ${session.location}, not ${view.location}`);
      if (q.createSession && !dry) {
        session = { id: randomBytes(24).toString('base64url'), project, location: view.location, temps: new Map() };
        this.sessions.set(session.id, session);
      }
      view.sessionId = session?.id;
      scope = {
        store: this.store,
        project,
        location: view.location,
        defaultDataset: q.defaultDataset ? { projectId: q.defaultDataset.projectId ?? project, datasetId: q.defaultDataset.datasetId } : undefined,
        temps: session?.temps ?? new Map(),
        session,
        tx: session?.tx,
        params,
        script: q.query!,
        isScript: statements.length > 1,
      };
      if (dry) {
        const result = await dryRun(this.z, statements, scope, this.estimate?.(view));
        view.state = 'DONE';
        view.statementType = result.statementType;
        view.totalBytesProcessed = String(result.bytes);
        return { status: 200, body: dryRunResource(project, view.location, configuration, run.creationTime, result) };
      }
      // A single statement is analyzed at submission: what BigQuery rejects before running fails the insert answer.
      if (statements.length === 1) {
        const checked = await dryRun(this.z, statements, scope, this.estimate?.(view));
        const limit = q.maximumBytesBilled !== undefined ? BigInt(q.maximumBytesBilled) : undefined;
        if (limit !== undefined && checked.billed > limit) throw errors.bytesBilled(limit, checked.billed);
      }
    } catch (e) {
      if (!(e instanceof BigqueryError)) throw e;
      if (dry) {
        view.state = 'DONE';
        view.error = e.proto;
        return this.fail(e);
      }
      this.runs.set(`${project}:${jobId}`, run);
      run.failNow(this.store.nowMs(), e);
      return this.answerInsert(run, effects);
    }
    run.statements = statements;
    run.scope = scope;
    this.runs.set(`${project}:${jobId}`, run);
    this.start(run);
    return this.answerInsert(run, effects);
  }

  private answerInsert(run: JobRun, effects: FaultEffect[]): Reply {
    if (effects.includes('reset-after')) return { reset: true };
    if (effects.includes('unavailable-after')) return this.fail(errors.backendError());
    return { status: 200, body: run.resource(run.view.state === 'DONE' ? 'DONE' : 'RUNNING') };
  }

  /** Queues the job once it may start (a held job waits for its polls or its cancel); `idle()` waits for queued ones. */
  private start(run: JobRun) {
    void run.released.then(() => {
      const step = this.queue.then(() => this.execute(run));
      this.queue = step.catch(() => undefined);
      this.running.add(step);
      void step.finally(() => this.running.delete(step));
    });
  }

  private async execute(run: JobRun) {
    if (run.view.state === 'DONE') return; // cancelled before it started
    run.started = true;
    run.startTime = this.store.nowMs();
    const v = run.view;
    const override = this.estimate?.(v);
    try {
      const outcome = await runStatements(this.z, run.statements, run.scope!, {
        maximumBytesBilled: v.maximumBytesBilled !== undefined ? BigInt(v.maximumBytesBilled) : undefined,
        estimate: override,
        cancelled: () => v.cancelRequested && !run.cancelFinishes,
        concurrentUpdate: run.concurrentUpdate,
      });
      run.outcome = outcome;
      v.statementType = outcome.statementType;
      v.totalBytesProcessed = String(outcome.bytesProcessed);
      if (['INSERT', 'UPDATE', 'DELETE'].includes(outcome.statementType)) v.numDmlAffectedRows = String(outcome.inserted + outcome.updated + outcome.deleted);
      run.done(this.store.nowMs());
    } catch (e) {
      const error = e instanceof BigqueryError ? e : new BigqueryError('internalError', `bigquery emulator bug: ${(e as Error)?.stack ?? String(e)}`, 500);
      run.done(this.store.nowMs(), error);
    }
  }

  async get(project: string, jobId: string, location: string | null): Promise<Reply> {
    const { failure } = this.faultsFor({ api: 'jobs.get', jobId, location: location ?? undefined });
    if (failure) return this.fail(failure);
    try {
      const run = this.findJob(project, jobId, location);
      return { status: 200, body: run.resource(await run.observe()) };
    } catch (e) {
      return this.fail(e);
    }
  }

  async results(project: string, jobId: string, query: URLSearchParams): Promise<Reply> {
    const location = query.get('location');
    const { failure } = this.faultsFor({ api: 'jobs.getQueryResults', jobId, location: location ?? undefined });
    if (failure) return this.fail(failure);
    try {
      const run = this.findJob(project, jobId, location);
      const v = run.view;
      if ((await run.observe()) === 'RUNNING') {
        return {
          status: 200,
          body: {
            kind: 'bigquery#getQueryResultsResponse',
            etag: `"${jobId}"`,
            jobReference: { projectId: project, jobId, location: v.location },
            jobComplete: false,
          },
        };
      }
      const failed = run.failure();
      if (failed) throw failed;
      return { status: 200, body: resultsPage(run, query, this.options.pageSize) };
    } catch (e) {
      return this.fail(e);
    }
  }

  async cancel(project: string, jobId: string, location: string | null): Promise<Reply> {
    const { failure } = this.faultsFor({ api: 'jobs.cancel', jobId, location: location ?? undefined });
    if (failure) return this.fail(failure);
    try {
      const run = this.findJob(project, jobId, location);
      const before = run.reportedState();
      run.view.cancelRequested = true;
      if (run.view.state !== 'DONE' && !run.cancelFinishes && !run.started) {
        // Still held: it never ran, so it ends stopped with nothing changed.
        run.polls = run.pollsBeforeDone;
        run.done(this.store.nowMs(), errors.stopped());
      }
      // The cancel is asynchronous in BigQuery: the answer shows the job as it was.
      return { status: 200, body: { kind: 'bigquery#jobCancelResponse', job: run.resource(before) } };
    } catch (e) {
      return this.fail(e);
    }
  }

  table(project: string, dataset: string, name: string): Reply {
    const { failure } = this.faultsFor({ api: 'tables.get' });
    if (failure) return this.fail(failure);
    if (!this.store.dataset(project, dataset)) return this.fail(errors.datasetNotFound(project, dataset));
    const t = this.store.tables.get(`${project}.${dataset}.${name}`);
    if (!t) return this.fail(errors.tableNotFound(project, dataset, name));
    return { status: 200, body: this.store.tableResource(t) };
  }

  dataset(project: string, dataset: string): Reply {
    const { failure } = this.faultsFor({ api: 'datasets.get' });
    if (failure) return this.fail(failure);
    const d = this.store.dataset(project, dataset);
    if (!d) return this.fail(errors.datasetNotFound(project, dataset));
    return { status: 200, body: this.store.datasetResource(d) };
  }
}
