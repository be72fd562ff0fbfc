/**
 * BigQuery's errors as the REST API carries them: an HTTP status, and a body
 * `{error: {code, message, errors: [{message, domain, reason}], status}}`.
 * A job that ran and failed carries the same ErrorProto in
 * `status.errorResult`. Reasons and their HTTP codes follow the reference's
 * error table (cloud.google.com/bigquery/docs/error-messages).
 */

export class BigqueryError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly code: number = CODE_OF[reason] ?? 400,
    readonly domain = 'global',
  ) {
    super(message);
  }
  get proto() {
    return { reason: this.reason, message: this.message };
  }
}

const CODE_OF: Record<string, number> = {
  invalid: 400,
  invalidQuery: 400,
  bytesBilledLimitExceeded: 400,
  stopped: 400,
  notFound: 404,
  duplicate: 409,
  accessDenied: 403,
  quotaExceeded: 403,
  rateLimitExceeded: 403,
  internalError: 500,
  backendError: 503,
};

const STATUS_OF: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export const errorBody = (e: BigqueryError) => ({
  error: { code: e.code, message: e.message, errors: [{ message: e.message, domain: e.domain, reason: e.reason }], status: STATUS_OF[e.code] ?? 'UNKNOWN' },
});

export const UNAUTHENTICATED_BODY = {
  error: {
    code: 401,
    message:
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    errors: [{ message: 'Login Required.', domain: 'global', reason: 'required', location: 'Authorization', locationType: 'header' }],
    status: 'UNAUTHENTICATED',
  },
};

/** The errors a fault or the real service answers with, worded as the service words them. */
export const errors = {
  backendError: () => new BigqueryError('backendError', 'Error encountered during execution. Retrying may solve the problem.', 503),
  internalError: () =>
    new BigqueryError(
      'internalError',
      'An internal error occurred and the request could not be completed. This is usually caused by a transient issue. Retrying the job with back-off as described in the BigQuery SLA should solve the problem: https://cloud.google.com/bigquery/sla. If the error continues to occur please contact support at https://cloud.google.com/support.',
      500,
    ),
  rateLimitExceeded: (status: 403 | 429 = 403) =>
    new BigqueryError(
      'rateLimitExceeded',
      'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
      status,
      'usageLimits',
    ),
  quotaExceeded: () =>
    new BigqueryError(
      'quotaExceeded',
      'Quota exceeded: Your project exceeded quota for free query bytes scanned. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
      403,
      'usageLimits',
    ),
  duplicateJob: (project: string, location: string, jobId: string) =>
    new BigqueryError('duplicate', `Already Exists: Job ${project}:${location}.${jobId}`, 409),
  jobNotFound: (project: string, jobId: string) => new BigqueryError('notFound', `Not found: Job ${project}:${jobId}`, 404),
  tableNotFound: (project: string, dataset: string, table: string, location?: string) =>
    new BigqueryError('notFound', `Not found: Table ${project}:${dataset}.${table}${location ? ` was not found in location ${location}` : ''}`, 404),
  datasetNotFound: (project: string, dataset: string, location?: string) =>
    new BigqueryError('notFound', `Not found: Dataset ${project}:${dataset}${location ? ` was not found in location ${location}` : ''}`, 404),
  stopped: () => new BigqueryError('stopped', 'Job execution was cancelled: User requested cancellation'),
  bytesBilled: (limit: bigint, required: bigint) =>
    new BigqueryError('bytesBilledLimitExceeded', `Query exceeded limit for bytes billed: ${limit}. ${required} or higher required.`),
  // Two independent public captures of this error carry a "Transaction ID:" suffix; the id here is random.
  concurrentUpdate: (table: string, transactionId: string) =>
    new BigqueryError('invalidQuery', `Transaction is aborted due to concurrent update against table ${table}. Transaction ID: ${transactionId}`),
  partitionFilter: (table: string, columns: readonly string[]) =>
    new BigqueryError(
      'invalidQuery',
      `Cannot query over table '${table}' without a filter over column(s) ${columns.map((c) => `'${c}'`).join(', ')} that can be used for partition elimination`,
    ),
  /** Something the emulator cannot do faithfully: a loud refusal, never mistaken for the service's answer. */
  notEmulated: (what: string) => new BigqueryError('invalidQuery', `bigquery emulator: ${what}`),
};
