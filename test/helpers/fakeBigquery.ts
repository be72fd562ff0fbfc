/**
 * A small BigQuery on loopback that speaks the REST shapes the client library
 * sends and receives (jobs.insert, jobs.getQueryResults, jobs.get,
 * jobs.cancel, the multipart upload of load jobs), with responses in the
 * form of the REST reference, errors included. It does not run SQL: each test
 * says what a query answers through `respond`, and checks what was sent
 * through `jobs`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { OAuth2Client } from 'google-auth-library';
import type { QueryParameter } from '../../src/data/bigquery/params.js';

export type ReceivedJob = {
  jobId: string;
  location?: string;
  query?: string;
  params: QueryParameter[];
  dryRun: boolean;
  labels?: Record<string, string>;
  maximumBytesBilled?: string;
  parameterMode?: string;
  useLegacySql?: boolean;
  load?: { destination: string; rows: Record<string, unknown>[]; schema: unknown };
  cancelled: boolean;
  authorization?: string;
};

export type QueryAnswer =
  | { rows: Record<string, string | null>[]; columns?: string[] }
  | { error: { code: number; reason: string; message: string }; at?: 'insert' | 'job' };

export type FakeBigquery = {
  endpoint: string;
  jobs: ReceivedJob[];
  /** Decides each query's answer; the default answers every query with no rows. */
  respond: (job: ReceivedJob) => QueryAnswer;
  /** Bytes a dry run reports. */
  dryRunBytes: (job: ReceivedJob) => bigint;
  /** When set, dry runs fail with this error (credentials refused, permission denied). */
  failDryRuns?: { code: number; reason: string; message: string };
  /** Job ids that jobs.get reports as still running. */
  running: Set<string>;
  /** Answers for jobs.get of ids evfix did not submit in this server's life (a restart after a crash). */
  knownJobs: Map<string, { state: 'DONE' | 'RUNNING'; error?: { reason: string; message: string } }>;
  authClient: OAuth2Client;
  close(): Promise<void>;
};

const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const errorBody = (e: { code: number; reason: string; message: string }) => ({
  error: { code: e.code, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }], status: e.code === 404 ? 'NOT_FOUND' : e.code === 403 ? 'PERMISSION_DENIED' : 'INVALID_ARGUMENT' },
});

export async function startFakeBigquery(): Promise<FakeBigquery> {
  const answers = new Map<string, QueryAnswer>();
  const fake: FakeBigquery = {
    endpoint: '',
    jobs: [],
    respond: () => ({ rows: [] }),
    dryRunBytes: () => 1024n,
    running: new Set(),
    knownJobs: new Map(),
    authClient: new OAuth2Client(),
    close: async () => undefined,
  };
  fake.authClient.setCredentials({ access_token: 'test-access-token', expiry_date: Date.now() + 3_600_000 });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const text = await body(req);
    const path = url.pathname;
    if (req.headers.authorization !== 'Bearer test-access-token') {
      return send(401, { error: { code: 401, message: 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.', errors: [{ message: 'Login Required.', domain: 'global', reason: 'required', location: 'Authorization', locationType: 'header' }], status: 'UNAUTHENTICATED' } });
    }
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && (m = path.match(/^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/))) {
      const request = JSON.parse(text);
      const q = request.configuration?.query ?? {};
      const job: ReceivedJob = {
        jobId: request.jobReference?.jobId,
        location: request.jobReference?.location,
        query: q.query,
        params: q.queryParameters ?? [],
        dryRun: Boolean(request.configuration?.dryRun),
        labels: request.configuration?.labels,
        maximumBytesBilled: q.maximumBytesBilled,
        parameterMode: q.parameterMode,
        useLegacySql: q.useLegacySql,
        cancelled: false,
        authorization: req.headers.authorization,
      };
      fake.jobs.push(job);
      const reference = { projectId: m[1], jobId: job.jobId, location: job.location ?? 'US' };
      if (job.dryRun) {
        if (fake.failDryRuns) return send(fake.failDryRuns.code, errorBody(fake.failDryRuns));
        return send(200, {
          kind: 'bigquery#job',
          jobReference: { projectId: m[1], location: job.location ?? 'US' },
          configuration: request.configuration,
          status: { state: 'DONE' },
          statistics: { totalBytesProcessed: String(fake.dryRunBytes(job)), query: { totalBytesProcessed: String(fake.dryRunBytes(job)) } },
        });
      }
      const answer = fake.respond(job);
      if ('error' in answer && answer.at !== 'job') return send(answer.error.code, errorBody(answer.error));
      answers.set(job.jobId, answer);
      return send(200, { kind: 'bigquery#job', id: `${m[1]}:${reference.location}.${job.jobId}`, jobReference: reference, configuration: request.configuration, status: { state: 'RUNNING' } });
    }
    if (req.method === 'POST' && (m = path.match(/^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/))) {
      // multipart/related: a JSON part with the job, then the newline-delimited rows.
      const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1]?.replace(/"/g, '');
      const parts = text.split(`--${boundary}`).map((p) => p.replace(/^\r?\n/, '')).filter((p) => p.includes('\r\n\r\n'));
      const partBody = (p: string) => p.slice(p.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
      const meta = JSON.parse(partBody(parts[0]!));
      const rows = partBody(parts[1] ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const d = meta.configuration.load.destinationTable;
      const job: ReceivedJob = {
        jobId: meta.jobReference.jobId,
        params: [],
        dryRun: false,
        cancelled: false,
        load: { destination: `${d.projectId}.${d.datasetId}.${d.tableId}`, rows, schema: meta.configuration.load.schema },
      };
      fake.jobs.push(job);
      answers.set(job.jobId, { rows: [] });
      return send(200, { kind: 'bigquery#job', jobReference: { projectId: m[1], jobId: job.jobId }, configuration: meta.configuration, status: { state: 'DONE' } });
    }
    if (req.method === 'GET' && (m = path.match(/^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/))) {
      const answer = answers.get(m[2]!);
      const job = fake.jobs.find((j) => j.jobId === m![2]);
      if (job?.cancelled) return send(400, errorBody({ code: 400, reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' }));
      if (fake.running.has(m[2]!)) {
        // The REST call long-polls while the job runs; answer "not yet" after a short wait.
        await new Promise((r) => setTimeout(r, 30));
        return send(200, { kind: 'bigquery#getQueryResultsResponse', jobReference: { projectId: m[1], jobId: m[2] }, jobComplete: false });
      }
      if (!answer) return send(404, errorBody({ code: 404, reason: 'notFound', message: `Not found: Job ${m[1]}:${m[2]}` }));
      if ('error' in answer) return send(answer.error.code, errorBody(answer.error));
      const columns = answer.columns ?? [...new Set(answer.rows.flatMap((r) => Object.keys(r)))];
      return send(200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: { projectId: m[1], jobId: m[2] },
        jobComplete: true,
        totalRows: String(answer.rows.length),
        schema: { fields: columns.map((name) => ({ name, type: 'STRING', mode: 'NULLABLE' })) },
        rows: answer.rows.map((r) => ({ f: columns.map((c) => ({ v: r[c] ?? null })) })),
      });
    }
    if (req.method === 'GET' && (m = path.match(/^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/))) {
      const id = m[2]!;
      const job = fake.jobs.find((j) => j.jobId === id);
      const known = fake.knownJobs.get(id);
      if (!job && !known) return send(404, errorBody({ code: 404, reason: 'notFound', message: `Not found: Job ${m[1]}:${id}` }));
      const answer = answers.get(id);
      const error = known?.error ?? (answer && 'error' in answer ? { reason: answer.error.reason, message: answer.error.message } : undefined);
      const state = fake.running.has(id) || known?.state === 'RUNNING' ? 'RUNNING' : 'DONE';
      return send(200, {
        kind: 'bigquery#job',
        jobReference: { projectId: m[1], jobId: id },
        status: state === 'DONE' && error ? { state, errorResult: error, errors: [error] } : { state },
      });
    }
    if (req.method === 'POST' && (m = path.match(/^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/))) {
      const job = fake.jobs.find((j) => j.jobId === m![2]);
      if (job) job.cancelled = true;
      return send(200, { kind: 'bigquery#jobCancelResponse', job: { jobReference: { projectId: m[1], jobId: m[2] }, status: { state: 'DONE' } } });
    }
    send(404, errorBody({ code: 404, reason: 'notFound', message: `fake BigQuery does not serve ${req.method} ${path}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  fake.endpoint = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

/** The value of a named parameter as sent (scalars only). */
export const paramValue = (job: ReceivedJob, name: string) => job.params.find((p) => p.name === name)?.parameterValue.value;
