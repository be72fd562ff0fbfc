/**
 * The loopback HTTP server: the URL routes the client library calls
 * (@google-cloud/bigquery v8 through @google-cloud/common: POST
 * /bigquery/v2/projects/{p}/jobs, GET .../jobs/{id}?location, POST
 * .../jobs/{id}/cancel?location, GET .../queries/{id}?location&pageToken&
 * maxResults&formatOptions.useInt64Timestamp, GET .../datasets/{d}[/tables/{t}],
 * POST /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart), the
 * fixed bearer token or a registered service account's self-signed JWT, and a count of the bytes each request carried in and out.
 */
import { verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BigqueryError, errors, errorBody, UNAUTHENTICATED_BODY } from './errors.js';
import { loadJob } from './loadJob.js';
import type { Reply, Service } from './service.js';

export const ACCESS_TOKEN = 'test-access-token';

export type TrafficEntry = {
  method: string;
  path: string;
  api: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  /** Who the request was authorised as: 'test-access-token', or the service account whose self-signed JWT it carried. */
  principal?: string;
};

/** Service accounts the emulator knows: email -> the public key (PEM) of its key, as Google publishes its certs. */
export type ServiceAccounts = Map<string, string>;

/**
 * Who a bearer token is: the fixed access token, or a service account's self-signed JWT (AIP-4111: RS256, iss =
 * sub = the account, a scope or an audience, not expired), checked against the account's public key as Google
 * checks it. Anything else is unauthenticated.
 */
function principalOf(authorization: string | undefined, accounts: ServiceAccounts): string | undefined {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  if (token === ACCESS_TOKEN) return ACCESS_TOKEN;
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) return undefined;
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { iss?: string; sub?: string; exp?: number; scope?: string; aud?: string };
    const key = claims.iss ? accounts.get(claims.iss) : undefined;
    if (!key || header.alg !== 'RS256' || claims.sub !== claims.iss || !(claims.scope || claims.aud)) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined;
    return verify('RSA-SHA256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url')) ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}
export type Traffic = {
  requests: TrafficEntry[];
  /** Bytes received (request line, headers, body) over every request. */
  readonly bytesIn: number;
  /** Bytes sent (status line, headers, body) over every request. */
  readonly bytesOut: number;
  reset(): void;
};

export function newTraffic(): Traffic {
  const requests: TrafficEntry[] = [];
  return {
    requests,
    get bytesIn() {
      return requests.reduce((n, r) => n + r.bytesIn, 0);
    },
    get bytesOut() {
      return requests.reduce((n, r) => n + r.bytesOut, 0);
    },
    reset() {
      requests.length = 0;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** multipart/related: the job's JSON, then the newline-delimited rows. */
function multipart(req: IncomingMessage, body: Buffer): { meta: Record<string, unknown>; lines: string[] } {
  const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers['content-type'] ?? '')?.[2];
  if (!boundary) throw errors.notEmulated('upload without a multipart boundary');
  const parts = body
    .toString('utf8')
    .split(`--${boundary}`)
    .map((p) => p.replace(/^\r?\n/, ''))
    .filter((p) => p.includes('\r\n\r\n'));
  const content = (p: string) => p.slice(p.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  return {
    meta: JSON.parse(content(parts[0]!)),
    lines: content(parts[1] ?? '')
      .split('\n')
      .filter((l) => l.trim()),
  };
}

const ROUTES: [string, RegExp, string][] = [
  ['POST', /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, 'jobs.insert'],
  ['POST', /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/, 'jobs.insert (upload)'],
  ['GET', /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/, 'jobs.get'],
  ['POST', /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/, 'jobs.cancel'],
  ['GET', /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/, 'jobs.getQueryResults'],
  ['GET', /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)$/, 'datasets.get'],
  ['GET', /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/, 'tables.get'],
];

async function route(service: Service, api: string, m: string[], url: URL, req: IncomingMessage, body: Buffer): Promise<Reply> {
  const [p, a, b] = m.slice(1).map(decodeURIComponent) as [string, string, string];
  const location = url.searchParams.get('location');
  switch (api) {
    case 'jobs.insert':
      return service.insert(p, JSON.parse(body.toString('utf8') || '{}'));
    case 'jobs.insert (upload)': {
      const { meta, lines } = multipart(req, body);
      return loadJob(service, p, meta as never, lines);
    }
    case 'jobs.get':
      return service.get(p, a, location);
    case 'jobs.cancel':
      return service.cancel(p, a, location);
    case 'jobs.getQueryResults':
      return service.results(p, a, url.searchParams);
    case 'datasets.get':
      return service.dataset(p, a);
    default:
      return service.table(p, a, b);
  }
}

export async function listen(service: Service, traffic: Traffic, accounts: ServiceAccounts = new Map()): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    handle(service, traffic, accounts, req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 500, message: `bigquery emulator bug: ${e.stack ?? e}`, errors: [{ reason: 'internalError', message: String(e) }] } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, endpoint: `http://127.0.0.1:${port}` };
}

async function handle(service: Service, traffic: Traffic, accounts: ServiceAccounts, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const head =
    `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`.length +
    req.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0) +
    2 /* each `name: value\r\n`, then a blank line */;
  const entry: TrafficEntry = { method: req.method ?? 'GET', path: url.pathname, api: '', status: 0, bytesIn: head + body.length, bytesOut: 0 };
  traffic.requests.push(entry);
  const written = req.socket.bytesWritten;
  res.on('finish', () => (entry.bytesOut = req.socket.bytesWritten - written));
  const send = (status: number, json: unknown) => {
    entry.status = status;
    const text = JSON.stringify(json);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  entry.principal = principalOf(req.headers.authorization, accounts);
  if (!entry.principal) return send(401, UNAUTHENTICATED_BODY);
  for (const [method, pattern, api] of ROUTES) {
    const m = req.method === method ? pattern.exec(url.pathname) : null;
    if (!m) continue;
    entry.api = api.replace(' (upload)', '');
    const reply = await route(service, api, m, url, req, body);
    if ('reset' in reply) {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    return send(reply.status, reply.body);
  }
  send(404, errorBody(new BigqueryError('notFound', `bigquery emulator does not serve ${req.method} ${url.pathname}`, 404)));
}
