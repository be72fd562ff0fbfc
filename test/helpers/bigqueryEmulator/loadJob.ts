/**
 * Load jobs through the multipart upload endpoint (what Table#createWriteStream
 * sends): JSON metadata, then newline-delimited JSON rows. Minimal on
 * purpose: NEWLINE_DELIMITED_JSON only, CREATE_IF_NEEDED / CREATE_NEVER,
 * WRITE_TRUNCATE / WRITE_APPEND / WRITE_EMPTY; the job is DONE at once and is
 * listed in `jobs` (type LOAD) so tests can count them.
 */
import { randomUUID } from 'node:crypto';
import { BigqueryError, errors } from './errors.js';
import { JobRun, type EmulatorJob } from './jobs.js';
import type { Reply, Service } from './service.js';
import { canonicalLocation } from './store.js';
import type { SchemaField } from './types.js';

export async function loadJob(
  service: Service,
  project: string,
  meta: { jobReference?: { jobId?: string; location?: string }; configuration?: { load?: Record<string, any> } },
  lines: string[],
): Promise<Reply> {
  const load = meta.configuration?.load ?? {};
  const jobId = meta.jobReference?.jobId ?? randomUUID();
  const { failure, effects } = service.faultsFor({ api: 'jobs.insert', jobId, kind: 'load', location: meta.jobReference?.location });
  if (failure) return service.fail(failure);
  const existing = service.runs.get(`${project}:${jobId}`);
  if (existing) {
    existing.view.insertRequests++;
    return service.fail(errors.duplicateJob(project, existing.view.location, jobId));
  }
  const dest = load.destinationTable as { projectId: string; datasetId: string; tableId: string };
  const dataset = service.store.dataset(dest.projectId, dest.datasetId);
  const location = meta.jobReference?.location ? canonicalLocation(meta.jobReference.location) : (dataset?.location ?? 'US');
  const writeDisposition = String(load.writeDisposition ?? 'WRITE_APPEND');
  const view: EmulatorJob = {
    projectId: project,
    jobId,
    location,
    type: 'LOAD',
    params: [],
    dryRun: false,
    labels: meta.configuration && ((meta.configuration as Record<string, unknown>).labels as Record<string, string> | undefined),
    createSession: false,
    state: 'RUNNING',
    cancelRequested: false,
    insertRequests: 1,
    load: { destination: `${dest.projectId}.${dest.datasetId}.${dest.tableId}`, rows: lines.length, writeDisposition },
  };
  service.jobs.push(view);
  const run = new JobRun(view, meta.configuration ?? {}, service.store.nowMs(), 0, 0);
  service.runs.set(`${project}:${jobId}`, run);
  try {
    if (!dataset || dataset.location !== location) throw errors.datasetNotFound(dest.projectId, dest.datasetId, location);
    if (String(load.sourceFormat ?? 'CSV') !== 'NEWLINE_DELIMITED_JSON') throw errors.notEmulated('only NEWLINE_DELIMITED_JSON loads are emulated');
    const path = `${dest.projectId}.${dest.datasetId}.${dest.tableId}`;
    let table = service.store.tables.get(path);
    if (!table) {
      if (load.createDisposition === 'CREATE_NEVER') throw errors.tableNotFound(dest.projectId, dest.datasetId, dest.tableId);
      const fields = (load.schema?.fields ?? []) as SchemaField[];
      table = service.store.newTable(dest.projectId, dest.datasetId, dest.tableId, fields, false);
      service.store.tables.set(path, table);
    }
    const target = table;
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // NDJSON gives a JSON column its value, not text: keep it as that value's JSON text.
    const jsonColumns = target.schema.filter((f) => f.type.toUpperCase() === 'JSON').map((f) => f.name);
    for (const r of records) for (const c of jsonColumns) if (r[c] !== undefined && r[c] !== null) r[c] = JSON.stringify(r[c]);
    const rows = await service.store.toRows(target, records).catch((e: Error) => {
      throw new BigqueryError('invalid', `Error while reading data, error message: ${e.message.replace(/^bigquery emulator: /, '')}`);
    });
    if (writeDisposition === 'WRITE_EMPTY' && target.rows.length)
      throw new BigqueryError('duplicate', `Already Exists: Table ${dest.projectId}:${dest.datasetId}.${dest.tableId}`, 409);
    service.store.commit(target, writeDisposition === 'WRITE_TRUNCATE' ? rows : [...target.rows, ...rows]);
    run.outcome = { statementType: 'LOAD', inserted: rows.length, updated: 0, deleted: 0, bytesProcessed: 0n, bytesBilled: 0n, statements: 1 };
    run.startTime = service.store.nowMs();
    run.done(service.store.nowMs());
  } catch (e) {
    if (!(e instanceof BigqueryError)) throw e;
    run.failNow(service.store.nowMs(), e);
  }
  if (effects.includes('reset-after')) return { reset: true };
  if (effects.includes('unavailable-after')) return service.fail(errors.backendError());
  const resource = run.resource('DONE');
  return { status: 200, body: { ...resource, statistics: { ...resource.statistics, load: { outputRows: String(view.error ? 0 : lines.length) } } } };
}
