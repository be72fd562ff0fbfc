/**
 * The jobs evfix runs on BigQuery, over @google-cloud/bigquery. Parameters
 * are passed in REST form (params.ts) and rows come back unparsed (every cell
 * a string or null), so microseconds and 64-bit integers survive intact.
 *
 * Reads are query jobs labelled `evfix=read` with maximumBytesBilled set; the
 * read jobs in flight can be cancelled (Esc in the TUI). Writes are one script
 * job whose id the caller chose and journaled first.
 */
import { randomUUID } from 'node:crypto';
import { BigQuery, type Job } from '@google-cloud/bigquery';
import { EvfixError, OutcomeUnknownError } from '../errors.js';
import { failureOf, isRetryable, translate } from './errors.js';
import type { JobOutcome } from '../engine.js';
import type { QueryParameter } from './params.js';

export type BigqueryClientOptions = {
  /** The project that holds the data (tables are named in full). */
  project: string;
  /** Where jobs run and are billed (dbt's execution_project); the data project when absent. */
  jobProject?: string;
  /** Where jobs run and are looked up; when absent, the location of `locationOf` (a dataset) is read once. */
  location?: string;
  locationOf?: string;
  maximumBytesBilled?: number;
  /** A Private Service Connect endpoint, or the loopback server the tests run. */
  apiEndpoint?: string;
  /** The dbt profile's credentials (dbt/auth.ts), or a test's; without one, Application Default Credentials. */
  authClient?: unknown;
  /** Who `authClient` acts as, in words, for the message when BigQuery refuses it; never a secret. */
  credentials?: string;
  /** Waits between read retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** The client library's own retries of its HTTP calls (tests make them fast). */
  retryOptions?: { maxRetryDelay?: number; maxRetries?: number; totalTimeout?: number };
};

export type Row = Record<string, string | null>;

/** A session to run in: an id, or 'new' to start one with this job. */
type Session = string | 'new';

type RawRow = { f: { v: unknown }[] };
type RawSchema = { fields?: { name: string }[] };

/** A job that may exist, about which BigQuery does not answer. */
class Unanswered extends Error {
  constructor(override readonly cause: unknown) {
    super('unanswered');
  }
}

/** A job that succeeded, whose result cannot be read. */
class Unreadable extends Error {
  constructor(override readonly cause: unknown) {
    super('unreadable');
  }
}

/** The error of a job that was (or may have been) submitted and whose outcome cannot be learnt now. */
function outcomeUnknown(error: unknown, jobId: string, doing: string): EvfixError {
  const f = failureOf(error);
  return new OutcomeUnknownError(
    `${doing}: job ${jobId} was submitted, but BigQuery cannot be asked whether it finished (${f.reason ?? f.code ?? 'no answer'}: ${f.message}). ` +
      'It may still commit: evfix checks the job again on its next start, and `evfix history` lists the plan once it has. Applying the plan again is safe (it is refused if this one committed).',
    jobId,
  );
}

/** A connection lost after the request was sent: the job may have been created. */
const LOST = /ECONNRESET|socket hang up|ETIMEDOUT|EPIPE/i;

const cell = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

export class BigqueryClient {
  private readonly bq: BigQuery;
  private readonly reads = new Map<string, Job>();
  private readonly sleep: (ms: number) => Promise<void>;
  private location: string | undefined;
  private locating: Promise<string | undefined> | undefined;

  constructor(private readonly options: BigqueryClientOptions) {
    this.bq = new BigQuery({
      projectId: options.jobProject ?? options.project,
      location: options.location,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...(options.authClient ? { authClient: options.authClient as never } : {}),
      ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    });
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.location = options.location;
  }

  /**
   * The location jobs run in and are looked up in. A job of a regional dataset is not found without it, so a
   * config without one gets its dataset's location, read once.
   */
  async jobLocation(): Promise<string | undefined> {
    if (this.location || !this.options.locationOf) return this.location;
    this.locating ??= (async () => {
      const [project, dataset] = this.options.locationOf!.split('.') as [string, string];
      try {
        const [metadata] = await this.bq.dataset(dataset, { projectId: project }).getMetadata();
        this.location = (metadata as { location?: string }).location;
        return this.location;
      } catch (error) {
        this.locating = undefined;
        throw translate(error, `reading the location of dataset ${project}.${dataset}`, this.project, this.options.credentials);
      }
    })();
    return this.locating;
  }

  /** A table's lastModifiedTime in milliseconds (tables.get), or undefined when the table does not exist. */
  async tableModified(table: string, doing: string): Promise<bigint | undefined> {
    const [project, dataset, name] = table.split('.') as [string, string, string];
    try {
      const [metadata] = await this.patiently(() => this.bq.dataset(dataset, { projectId: project }).table(name).getMetadata());
      const ms = (metadata as { lastModifiedTime?: string }).lastModifiedTime;
      return ms === undefined ? undefined : BigInt(ms);
    } catch (error) {
      const f = failureOf(error);
      if (f.code === 404 || f.reason === 'notFound') return undefined;
      throw translate(error, doing, this.project, this.options.credentials);
    }
  }

  /** The project jobs run in (and permission errors about them name). */
  get project() {
    return this.options.jobProject ?? this.options.project;
  }

  private async queryConfig(sql: string, params: readonly QueryParameter[], extra: Record<string, unknown> = {}, session?: Session) {
    const location = await this.jobLocation();
    return {
      query: sql,
      useLegacySql: false,
      parameterMode: 'NAMED',
      queryParameters: params,
      location,
      ...(session === 'new' ? { createSession: true } : session ? { connectionProperties: [{ key: 'session_id', value: session }] } : {}),
      ...(this.options.maximumBytesBilled ? { maximumBytesBilled: String(this.options.maximumBytesBilled) } : {}),
      ...extra,
    };
  }

  /** Bytes the query would scan, from a dry run (nothing is billed or run). */
  async dryRunBytes(sql: string, params: readonly QueryParameter[], doing: string, session?: string): Promise<bigint> {
    try {
      const [job] = await this.bq.createQueryJob((await this.queryConfig(sql, params, { dryRun: true }, session)) as never);
      const stats = (job.metadata as { statistics?: { totalBytesProcessed?: string } }).statistics;
      return BigInt(stats?.totalBytesProcessed ?? '0');
    } catch (error) {
      throw translate(error, doing, this.project, this.options.credentials);
    }
  }

  /** Runs a read and returns every row, retrying rate limits and backend errors with backoff. */
  async read(sql: string, params: readonly QueryParameter[], doing: string, session?: string): Promise<Row[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.readOnce(sql, params, session)).rows;
      } catch (error) {
        if (error instanceof EvfixError) throw error;
        if (error instanceof Unanswered) throw translate(error.cause, doing, this.project, this.options.credentials);
        if (attempt < 3 && isRetryable(failureOf(error))) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        throw translate(error, doing, this.project, this.options.credentials);
      }
    }
  }

  /**
   * Starts a session (its temporary tables outlive one job: a plan's facts are read from one made once) and
   * returns its id; BigQuery ends it after a day idle, or when evfix aborts it.
   */
  async startSession(doing: string): Promise<string> {
    try {
      const { sessionId } = await this.readOnce('SELECT 1', [], 'new');
      if (!sessionId) throw new EvfixError('warehouse', `${doing}: BigQuery did not start a session`);
      return sessionId;
    } catch (error) {
      throw translate(error instanceof Unanswered ? error.cause : error, doing, this.project, this.options.credentials);
    }
  }

  /** Ends a session, dropping its temporary tables (a copy of event data must not linger). */
  async endSession(session: string): Promise<void> {
    await this.readOnce('CALL BQ.ABORT_SESSION()', [], session).catch(() => undefined);
  }

  private async readOnce(sql: string, params: readonly QueryParameter[], session?: Session): Promise<{ rows: Row[]; sessionId?: string }> {
    const jobId = `evfix_read_${randomUUID().replace(/-/g, '')}`;
    const job = await this.submit(jobId, await this.queryConfig(sql, params, { jobId, labels: { evfix: 'read' } }, session));
    this.reads.set(jobId, job);
    try {
      const rows = await this.waitFor(job);
      const sessionId = (job.metadata as { statistics?: { sessionInfo?: { sessionId?: string } } })?.statistics?.sessionInfo?.sessionId;
      return { rows, sessionId: sessionId ?? (session === 'new' ? await this.sessionOf(job) : undefined) };
    } finally {
      this.reads.delete(jobId);
    }
  }

  /**
   * Creates a job under the id the caller chose. When BigQuery created it but its answer was lost (the client
   * library retries jobs.insert on a 5xx or a dropped connection, and the retry meets 409 "Already Exists"),
   * the job is the one asked for: it is looked up by its id, in its location, instead of being taken for a
   * failure. A job BigQuery never created is the original error.
   */
  private async submit(jobId: string, config: Record<string, unknown>): Promise<Job> {
    try {
      const [job] = await this.bq.createQueryJob(config as never);
      return job;
    } catch (error) {
      const f = failureOf(error);
      const maybeCreated = f.code === 409 || f.reason === 'duplicate' || LOST.test(f.message) || (f.code !== undefined && f.code >= 500);
      if (!maybeCreated) throw error;
      const job = this.bq.job(jobId, { location: await this.jobLocation() });
      try {
        await this.patiently(() => job.getMetadata());
      } catch (lookup) {
        const l = failureOf(lookup);
        if (l.code === 404 || l.reason === 'notFound') throw error;
        throw new Unanswered(lookup);
      }
      return job;
    }
  }

  /** Every row of a finished query job's result (a script's: its last SELECT's), cells as text. */
  private async rowsOf(job: Job): Promise<Row[]> {
    const out: Row[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const [rows, , response] = (await job.getQueryResults({
        autoPaginate: false,
        skipParsing: true,
        ...(pageToken ? { pageToken } : {}),
      } as never)) as unknown as [RawRow[], unknown, { jobComplete?: boolean; pageToken?: string; schema?: RawSchema }];
      // BigQuery holds the request until the job completes or its timeout passes; then evfix asks again.
      if (response?.jobComplete === false) {
        await this.sleep(200);
        continue;
      }
      const names = (response?.schema?.fields ?? []).map((f) => f.name);
      for (const r of rows ?? []) out.push(Object.fromEntries(names.map((n, i) => [n, cell(r.f[i]?.v)])));
      pageToken = response?.pageToken;
      if (!pageToken) return out;
    }
  }

  private async sessionOf(job: Job): Promise<string | undefined> {
    const [metadata] = await job.getMetadata().catch(() => [undefined]);
    return (metadata as { statistics?: { sessionInfo?: { sessionId?: string } } } | undefined)?.statistics?.sessionInfo?.sessionId;
  }

  /** Asks BigQuery to stop every read in flight; their callers get a "cancelled" error. */
  async cancelReads(): Promise<void> {
    await Promise.all([...this.reads.values()].map((job) => job.cancel().catch(() => undefined)));
  }

  /**
   * Submits a script job with the caller's job id and waits for its real outcome; returns the rows of its last
   * statement. A lost answer to the submission is the job itself (see submit). Once the job exists, its outcome
   * is waited for through transient failures (a 5xx, a rate limit, a dropped connection): an apply that
   * committed must never be reported as failed. When BigQuery cannot be asked at all, the error says the outcome
   * is unknown and names the job.
   */
  async runScript(
    jobId: string,
    sql: string,
    params: readonly QueryParameter[],
    labels: Record<string, string>,
    doing: string,
    session?: string,
  ): Promise<Row[]> {
    let job: Job;
    try {
      job = await this.submit(jobId, await this.queryConfig(sql, params, { jobId, labels }, session));
    } catch (error) {
      if (error instanceof Unanswered) throw outcomeUnknown(error.cause, jobId, doing);
      throw translate(error, doing, this.project, this.options.credentials);
    }
    try {
      return await this.waitFor(job);
    } catch (error) {
      if (error instanceof Unanswered) throw outcomeUnknown(error.cause, jobId, doing);
      // Done, without error, and its result cannot be read: it succeeded; the caller reads what it wrote instead.
      if (error instanceof Unreadable) return [];
      throw translate(error, doing, this.project, this.options.credentials);
    }
  }

  /** Retries a call about a job that exists through transient failures, with backoff. */
  private async patiently<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const f = failureOf(error);
        if (attempt >= 5 || !(isRetryable(f) || LOST.test(f.message) || (f.code !== undefined && f.code >= 500))) throw error;
        await this.sleep(1000 * 2 ** attempt);
      }
    }
  }

  /**
   * Waits for a job on its results (small answers, unlike the job resource, which repeats the script and its
   * parameters), and returns its rows. When the results are an error, the job's status says whether the job
   * failed (then its error is thrown: a failed script rolled back as a whole) or BigQuery did not answer (then
   * it is asked again). Throws Unanswered when BigQuery cannot be asked about the job, and Unreadable when the
   * job succeeded but its result cannot be read.
   */
  private async waitFor(job: Job): Promise<Row[]> {
    for (let unread = 0; ; ) {
      try {
        return await this.rowsOf(job);
      } catch (error) {
        let status: { state?: string; errorResult?: { reason?: string; message?: string } } | undefined;
        try {
          const [metadata] = await this.patiently(() => job.getMetadata());
          status = (metadata as { status?: typeof status }).status;
        } catch (unanswered) {
          throw new Unanswered(unanswered);
        }
        if (status?.state === 'DONE' && status.errorResult) throw { errors: [status.errorResult], message: status.errorResult.message };
        if (status?.state !== 'DONE') await this.sleep(1000);
        else if (++unread >= 5) throw new Unreadable(error);
        else await this.sleep(1000 * 2 ** unread);
      }
    }
  }

  /** What became of a job evfix submitted earlier (journaled before submission). */
  async jobOutcome(jobId: string): Promise<JobOutcome> {
    try {
      const [metadata] = await this.bq.job(jobId, { location: await this.jobLocation() }).getMetadata();
      const status = (metadata as { status?: { state?: string; errorResult?: { message?: string } } }).status;
      if (status?.state !== 'DONE') return { state: 'running' };
      return status.errorResult ? { state: 'failed', message: status.errorResult.message ?? 'failed' } : { state: 'done' };
    } catch (error) {
      const f = failureOf(error);
      if (f.code === 404 || f.reason === 'notFound') return { state: 'not-found' };
      throw translate(error, `checking job ${jobId}`, this.project, this.options.credentials);
    }
  }
}
