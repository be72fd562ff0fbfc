/**
 * A job's life as the REST API shows it. A query job is created RUNNING and
 * its statements run in the background (one job at a time, so each runs
 * against a consistent warehouse); status reads (jobs.get,
 * jobs.getQueryResults) see RUNNING for `runningPolls` reads before DONE, and
 * a `slow: n` fault holds the job back until it has been read n times —
 * which is what lets jobs.cancel stop it before it changed anything.
 */
import type { Scope } from './catalog.js';
import { BigqueryError, errors } from './errors.js';
import type { RestQueryParameter } from './params.js';
import type { DryRun, Outcome } from './script.js';
import type { Statement } from './statements.js';
import { restField } from './types.js';
import { toRest, type RestFormat } from './values.js';

export type JobState = 'RUNNING' | 'DONE';

/** What a test sees of every job the emulator received (dry runs included). */
export type EmulatorJob = {
  projectId: string;
  jobId: string;
  location: string;
  type: 'QUERY' | 'LOAD';
  query?: string;
  params: RestQueryParameter[];
  dryRun: boolean;
  labels?: Record<string, string>;
  maximumBytesBilled?: string;
  /** The session the job ran in (created by it with createSession, or joined through connectionProperties). */
  sessionId?: string;
  createSession: boolean;
  state: JobState;
  error?: { reason: string; message: string };
  cancelRequested: boolean;
  /** jobs.insert requests that carried this job id (a retried insert counts twice; the second got 409). */
  insertRequests: number;
  statementType?: string;
  totalBytesProcessed?: string;
  numDmlAffectedRows?: string;
  load?: { destination: string; rows: number; writeDisposition: string };
};

export class JobRun {
  /** Status reads answered RUNNING so far. */
  polls = 0;
  started = false;
  outcome?: Outcome;
  configuration: Record<string, unknown>;
  statements: Statement[] = [];
  scope?: Scope;
  cancelFinishes = false;
  concurrentUpdate = false;
  creationTime: bigint;
  startTime?: bigint;
  endTime?: bigint;
  private releaseHold!: () => void;
  readonly released = new Promise<void>((r) => (this.releaseHold = r));
  private finish!: () => void;
  readonly finished = new Promise<void>((r) => (this.finish = r));

  constructor(
    readonly view: EmulatorJob,
    configuration: Record<string, unknown>,
    now: bigint,
    /** Reads held back before the job may start (`slow` fault). */
    readonly holdPolls: number,
    /** Reads answered RUNNING in all (hold included). */
    readonly pollsBeforeDone: number,
  ) {
    this.configuration = configuration;
    this.creationTime = now;
    if (holdPolls === 0) this.releaseHold();
  }

  release() {
    this.releaseHold();
  }

  done(now: bigint, error?: BigqueryError) {
    this.view.state = 'DONE';
    if (error) this.view.error = error.proto;
    this.endTime = now;
    this.releaseHold();
    this.finish();
  }

  /** Fails at submission (syntax, location, byte limit...): DONE at once, as the insert answer shows. */
  failNow(now: bigint, error: BigqueryError) {
    this.startTime = now;
    this.polls = this.pollsBeforeDone;
    this.done(now, error);
  }

  /** One status read: RUNNING while held or within `runningPolls`, else DONE once finished. */
  async observe(): Promise<JobState> {
    if (this.view.state === 'DONE' && this.polls >= this.pollsBeforeDone) return 'DONE';
    if (this.polls < this.pollsBeforeDone) {
      this.polls++;
      if (this.polls >= this.holdPolls) this.releaseHold();
      return 'RUNNING';
    }
    await this.finished;
    return 'DONE';
  }

  reportedState(): JobState {
    return this.view.state === 'DONE' && this.polls >= this.pollsBeforeDone ? 'DONE' : 'RUNNING';
  }

  /** The REST Job resource (jobs.get, jobs.insert's answer, jobs.cancel's `job`). */
  resource(state: JobState = this.reportedState()) {
    const v = this.view;
    const o = this.outcome;
    const done = state === 'DONE';
    const dml = o && ['INSERT', 'UPDATE', 'DELETE'].includes(o.statementType);
    return {
      kind: 'bigquery#job',
      etag: `"${v.jobId}-${state}"`,
      id: `${v.projectId}:${v.location}.${v.jobId}`,
      selfLink: `/bigquery/v2/projects/${v.projectId}/jobs/${v.jobId}?location=${v.location}`,
      user_email: 'emulator@example.com',
      jobReference: { projectId: v.projectId, jobId: v.jobId, location: v.location },
      configuration: { ...this.configuration, jobType: v.type },
      statistics: {
        creationTime: String(this.creationTime),
        ...(this.startTime !== undefined ? { startTime: String(this.startTime) } : {}),
        ...(done && this.endTime !== undefined ? { endTime: String(this.endTime) } : {}),
        ...(done && o ? { totalBytesProcessed: String(o.bytesProcessed) } : {}),
        ...(v.type === 'QUERY' && done && o
          ? {
              query: {
                totalBytesProcessed: String(o.bytesProcessed),
                totalBytesBilled: String(o.bytesBilled),
                cacheHit: false,
                statementType: o.statementType,
                ...(dml
                  ? {
                      numDmlAffectedRows: String(o.inserted + o.updated + o.deleted),
                      dmlStats: { insertedRowCount: String(o.inserted), deletedRowCount: String(o.deleted), updatedRowCount: String(o.updated) },
                    }
                  : {}),
              },
            }
          : {}),
        ...(v.type === 'QUERY' && o && o.statements > 1 ? { numChildJobs: String(o.statements) } : {}),
        ...(v.sessionId ? { sessionInfo: { sessionId: v.sessionId } } : {}),
      },
      status: done && v.error ? { state, errorResult: v.error, errors: [v.error] } : { state },
    };
  }

  /** The error getQueryResults answers for a failed job. */
  failure(): BigqueryError | undefined {
    const e = this.view.error;
    if (!e) return undefined;
    return e.reason === 'stopped' ? errors.stopped() : new BigqueryError(e.reason, e.message);
  }
}

/** BigQuery names unnamed result columns f0_, f1_, ... */
export function resultColumns(columns: readonly { name: string; type: import('./values.js').TypeProto }[]) {
  let anonymous = 0;
  return columns.map((c) => ({ ...c, name: !c.name || c.name.startsWith('$') ? `f${anonymous++}_` : c.name }));
}

const token = (jobId: string, offset: number) => Buffer.from(`${jobId}:${offset}`).toString('base64url');
const offsetOf = (jobId: string, pageToken: string | undefined) => {
  if (!pageToken) return undefined;
  const [id, offset] = Buffer.from(pageToken, 'base64url').toString().split(':');
  if (id !== jobId || !/^\d+$/.test(offset ?? '')) throw new BigqueryError('invalid', 'Invalid page token');
  return Number(offset);
};

/** One page of jobs.getQueryResults for a finished job. */
export function resultsPage(run: JobRun, query: URLSearchParams, pageSize: number) {
  const v = run.view;
  const o = run.outcome;
  const base = {
    kind: 'bigquery#getQueryResultsResponse',
    etag: `"${v.jobId}"`,
    jobReference: { projectId: v.projectId, jobId: v.jobId, location: v.location },
    jobComplete: true,
    cacheHit: false,
  };
  const format: RestFormat = {
    iso8601: query.get('formatOptions.timestampOutputFormat') === 'ISO8601_STRING',
    useInt64Timestamp: query.get('formatOptions.useInt64Timestamp') === 'true' || query.get('formatOptions.timestampOutputFormat') === 'INT64',
  };
  const dml = o && ['INSERT', 'UPDATE', 'DELETE'].includes(o.statementType);
  if (!o?.result) {
    return {
      ...base,
      totalRows: '0',
      totalBytesProcessed: String(o?.bytesProcessed ?? 0n),
      ...(dml ? { numDmlAffectedRows: String(o!.inserted + o!.updated + o!.deleted) } : {}),
    };
  }
  const columns = resultColumns(o.result.columns);
  const rows = o.result.rows;
  const start = offsetOf(v.jobId, query.get('pageToken') ?? undefined) ?? Number(query.get('startIndex') ?? 0);
  const maxResults = query.has('maxResults') ? Number(query.get('maxResults')) : Infinity;
  const end = Math.min(rows.length, start + Math.min(maxResults, pageSize));
  const page = rows.slice(start, end);
  return {
    ...base,
    schema: { fields: columns.map((c) => restField(c.name, c.type)) },
    totalRows: String(rows.length),
    ...(page.length ? { rows: page.map((row) => ({ f: columns.map((c, i) => ({ v: toRest(c.type, row[i], format) })) })) } : {}),
    ...(end < rows.length ? { pageToken: token(v.jobId, end) } : {}),
    totalBytesProcessed: String(o.bytesProcessed),
  };
}

/** jobs.insert's answer to a dry run: no job id, DONE, the estimate and the result schema. */
export function dryRunResource(project: string, location: string, configuration: Record<string, unknown>, creationTime: bigint, result: DryRun) {
  return {
    kind: 'bigquery#job',
    etag: '"dry"',
    jobReference: { projectId: project, location },
    configuration: { ...configuration, jobType: 'QUERY' },
    statistics: {
      creationTime: String(creationTime),
      totalBytesProcessed: String(result.bytes),
      query: {
        totalBytesProcessed: String(result.bytes),
        totalBytesBilled: '0',
        totalBytesProcessedAccuracy: 'PRECISE',
        cacheHit: false,
        statementType: result.statementType,
        referencedTables: [...result.tables].map((t) => {
          const [projectId, datasetId, tableId] = t.split('.');
          return { projectId, datasetId, tableId };
        }),
        ...(result.schema ? { schema: { fields: result.schema } } : {}),
      },
    },
    status: { state: 'DONE' },
  };
}
