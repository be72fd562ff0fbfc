/**
 * BigQuery's errors in words an operator can act on. The client library
 * throws ApiErrors (HTTP status, `errors[].reason`, message) and auth errors;
 * a job that ran and failed carries `status.errorResult`. Both come here.
 */
import { EvfixError } from '../errors.js';

export type BigqueryFailure = { code?: number; reason?: string; message: string };

/** The parts of any thrown value that say what BigQuery answered. */
export function failureOf(error: unknown): BigqueryFailure {
  const e = error as { code?: unknown; errors?: { reason?: string; message?: string }[]; message?: string; response?: { status?: number } };
  const first = Array.isArray(e?.errors) ? e.errors[0] : undefined;
  const code = typeof e?.code === 'number' ? e.code : e?.response?.status;
  return { code, reason: first?.reason, message: String(first?.message ?? e?.message ?? error) };
}

const PERMISSION = /(bigquery\.[a-zA-Z]+\.[a-zA-Z]+)/;
const PROJECT = /(?:project|Project)[: ]+([a-z][a-z0-9-]{4,28}[a-z0-9])/;

export const isRetryable = (f: BigqueryFailure) =>
  f.reason === 'rateLimitExceeded' || f.reason === 'backendError' || f.reason === 'internalError' || f.code === 429 || f.code === 503;

export const isConcurrentUpdate = (f: BigqueryFailure) => /concurrent update|could not serialize access/i.test(f.message);

export const isCancelled = (f: BigqueryFailure) => f.reason === 'stopped' || /job execution was cancell?ed/i.test(f.message);

/** One EvfixError whose message says what failed and what to do. `doing` names the step ("reading duplicates"). */
export function translate(error: unknown, doing: string, project: string, credentials?: string): EvfixError {
  if (error instanceof EvfixError) return error;
  const f = failureOf(error);
  const m = f.message;
  if (/Could not load the default credentials|default credentials|invalid_grant|reauth/i.test(m)) {
    return new EvfixError(
      'warehouse',
      `${doing}: no usable Google credentials. Run \`gcloud auth application-default login\` (or set GOOGLE_APPLICATION_CREDENTIALS on a service host), then try again.`,
    );
  }
  const network = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET)\b/.exec(m);
  if (network) {
    return new EvfixError(
      'warehouse',
      `${doing}: cannot reach BigQuery (${network[1]}); check this host's network or proxy to bigquery.googleapis.com (or engine.api_endpoint).`,
    );
  }
  if (f.code === 401) {
    // gcloud's login renews Application Default Credentials only: a dbt profile's key or impersonation is fixed there.
    if (credentials)
      return new EvfixError(
        'warehouse',
        `${doing}: the credentials were refused (${credentials}). Check that key or account in the dbt profile (a revoked or unknown key, a deleted account), then try again.`,
      );
    return new EvfixError('warehouse', `${doing}: the credentials were refused (expired?). Run \`gcloud auth application-default login\` and try again.`);
  }
  // Before the cancel check: BigQuery reports a transaction aborted by a concurrent update with reason `stopped` too.
  if (isConcurrentUpdate(f)) {
    return new EvfixError(
      'warehouse',
      `${doing}: another job changed the same table at the same moment, so BigQuery aborted this transaction. Nothing was written; run it again.`,
    );
  }
  if (isCancelled(f)) return new EvfixError('refused', `${doing}: cancelled; BigQuery stopped the job`);
  if (f.reason === 'accessDenied' || (f.code === 403 && !isRetryable(f) && f.reason !== 'quotaExceeded')) {
    const permission = PERMISSION.exec(m)?.[1];
    const where = PROJECT.exec(m)?.[1] ?? project;
    return new EvfixError(
      'warehouse',
      `${doing}: permission denied${permission ? `: ${permission} is missing` : ''} on project ${where}. ` +
        `Ask for the roles in README "Production: BigQuery + dbt". BigQuery said: ${m}`,
    );
  }
  if (f.reason === 'notFound' || f.code === 404) {
    return new EvfixError('warehouse', `${doing}: not found: ${m}. Check the table names in the config (\`evfix doctor\` lists them).`);
  }
  if (f.reason === 'quotaExceeded' || isRetryable(f)) {
    return new EvfixError(
      'warehouse',
      `${doing}: BigQuery is rate-limiting or busy (${f.reason ?? f.code}); evfix retried and gave up. Try again in a minute. BigQuery said: ${m}`,
    );
  }
  if (f.reason === 'bytesBilledLimitExceeded' || /bytes billed/i.test(m)) {
    return new EvfixError('warehouse', `${doing}: the query would bill more than engine.maximum_bytes_billed allows; nothing ran. BigQuery said: ${m}`);
  }
  if (/^evfix: /.test(m) || /evfix: the rows of the events in this plan/.test(m)) {
    return new EvfixError('refused', m.slice(m.indexOf('evfix: ') + 'evfix: '.length));
  }
  return new EvfixError('warehouse', `${doing}: BigQuery said: ${m}`);
}
