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
import { EvfixError } from '../errors.js';
import { failureOf, isRetryable, translate } from './errors.js';
import type { JobOutcome } from '../warehouse.js';
import type { QueryParameter } from './params.js';

export type BigqueryClientOptions = {
  project: string;
  location?: string;
  maximumBytesBilled?: number;
  /** A Private Service Connect endpoint, or the loopback server the tests run. */
  apiEndpoint?: string;
  /** Tests hand in an auth client; production uses Application Default Credentials. */
  authClient?: unknown;
  /** Waits between read retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
};

export type Row = Record<string, string | null>;

type RawRow = { f: { v: unknown }[] };
type RawSchema = { fields?: { name: string }[] };

const cell = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

export class BigqueryClient {
  private readonly bq: BigQuery;
  private readonly reads = new Map<string, Job>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: BigqueryClientOptions) {
    this.bq = new BigQuery({
      projectId: options.project,
      location: options.location,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...(options.authClient ? { authClient: options.authClient as never } : {}),
    });
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get project() {
    return this.options.project;
  }

  private queryConfig(sql: string, params: readonly QueryParameter[], extra: Record<string, unknown> = {}) {
    return {
      query: sql,
      useLegacySql: false,
      parameterMode: 'NAMED',
      queryParameters: params,
      location: this.options.location,
      ...(this.options.maximumBytesBilled ? { maximumBytesBilled: String(this.options.maximumBytesBilled) } : {}),
      ...extra,
    };
  }

  /** Bytes the query would scan, from a dry run (nothing is billed or run). */
  async dryRunBytes(sql: string, params: readonly QueryParameter[], doing: string): Promise<bigint> {
    try {
      const [job] = await this.bq.createQueryJob(this.queryConfig(sql, params, { dryRun: true }) as never);
      const stats = (job.metadata as { statistics?: { totalBytesProcessed?: string } }).statistics;
      return BigInt(stats?.totalBytesProcessed ?? '0');
    } catch (error) {
      throw translate(error, doing, this.project);
    }
  }

  /** Runs a read and returns every row, retrying rate limits and backend errors with backoff. */
  async read(sql: string, params: readonly QueryParameter[], doing: string): Promise<Row[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.readOnce(sql, params);
      } catch (error) {
        if (error instanceof EvfixError) throw error;
        if (attempt < 3 && isRetryable(failureOf(error))) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        throw translate(error, doing, this.project);
      }
    }
  }

  private async readOnce(sql: string, params: readonly QueryParameter[]): Promise<Row[]> {
    const jobId = `evfix_read_${randomUUID().replace(/-/g, '')}`;
    const [job] = await this.bq.createQueryJob(this.queryConfig(sql, params, { jobId, labels: { evfix: 'read' } }) as never);
    this.reads.set(jobId, job);
    try {
      const out: Row[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const [rows, , response] = (await job.getQueryResults({
          autoPaginate: false,
          skipParsing: true,
          ...(pageToken ? { pageToken } : {}),
        } as never)) as unknown as [RawRow[], unknown, { jobComplete?: boolean; pageToken?: string; schema?: RawSchema }];
        if (response?.jobComplete === false) continue;
        const names = (response?.schema?.fields ?? []).map((f) => f.name);
        for (const r of rows ?? []) out.push(Object.fromEntries(names.map((n, i) => [n, cell(r.f[i]?.v)])));
        pageToken = response?.pageToken;
        if (!pageToken) return out;
      }
    } finally {
      this.reads.delete(jobId);
    }
  }

  /** Asks BigQuery to stop every read in flight; their callers get a "cancelled" error. */
  async cancelReads(): Promise<void> {
    await Promise.all([...this.reads.values()].map((job) => job.cancel().catch(() => undefined)));
  }

  /**
   * Submits a script job with the caller's job id and waits for it. A failed
   * statement (an ASSERT, a conflict) fails the job and BigQuery rolls the
   * transaction back.
   */
  async runScript(jobId: string, sql: string, params: readonly QueryParameter[], labels: Record<string, string>, doing: string): Promise<void> {
    try {
      const [job] = await this.bq.createQueryJob(this.queryConfig(sql, params, { jobId, labels }) as never);
      await job.getQueryResults({ autoPaginate: false, skipParsing: true, maxResults: 0 } as never);
      await this.untilDone(job);
    } catch (error) {
      throw translate(error, doing, this.project);
    }
  }

  /** Waits for a job to finish; a job that failed throws its error result (a failed script rolled back). */
  private async untilDone(job: Job): Promise<void> {
    for (;;) {
      const [metadata] = await job.getMetadata();
      const status = (metadata as { status?: { state?: string; errorResult?: { reason?: string; message?: string } } }).status;
      if (status?.state === 'DONE') {
        if (status.errorResult) throw { errors: [status.errorResult], message: status.errorResult.message };
        return;
      }
      await this.sleep(1000);
    }
  }

  /** What became of a job evfix submitted earlier (journaled before submission). */
  async jobOutcome(jobId: string): Promise<JobOutcome> {
    try {
      const [metadata] = await this.bq.job(jobId, { location: this.options.location }).getMetadata();
      const status = (metadata as { status?: { state?: string; errorResult?: { message?: string } } }).status;
      if (status?.state !== 'DONE') return { state: 'running' };
      return status.errorResult ? { state: 'failed', message: status.errorResult.message ?? 'failed' } : { state: 'done' };
    } catch (error) {
      const f = failureOf(error);
      if (f.code === 404 || f.reason === 'notFound') return { state: 'not-found' };
      throw translate(error, `checking job ${jobId}`, this.project);
    }
  }

  /** Fills (replaces) a table from newline-delimited JSON with one load job. */
  async loadRows(table: string, schema: { name: string; type: string }[], rows: readonly Record<string, unknown>[], jobId: string, doing: string): Promise<void> {
    const [project, dataset, tableId] = table.split('.') as [string, string, string];
    const destination = this.bq.dataset(dataset, { projectId: project }).table(tableId);
    try {
      const [job] = await new Promise<[Job]>((resolve, reject) => {
        const stream = destination.createWriteStream({
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          schema: { fields: schema },
          writeDisposition: 'WRITE_TRUNCATE',
          createDisposition: 'CREATE_IF_NEEDED',
          jobId,
        } as never);
        stream.on('error', reject);
        stream.on('job', (job: Job) => resolve([job]));
        for (const row of rows) stream.write(JSON.stringify(row) + '\n');
        stream.end();
      });
      await this.untilDone(job);
    } catch (error) {
      throw translate(error, doing, this.project);
    }
  }
}
