/**
 * A BigQuery on loopback that runs the SQL it receives: Google's ZetaSQL
 * reference evaluator executes every statement against the emulator's
 * tables, and the REST answers (job states, typed results, errors, 404s,
 * 409s) take the shapes and wording of the real service where failures live.
 * The real @google-cloud/bigquery client talks to it through `apiEndpoint`.
 *
 *   const bq = await startBigqueryEmulator({
 *     project: 'dw-prod-gwiiag',
 *     datasets: { kinesis: { location: 'europe-west1' } },
 *     tables: [{ path: 'dw-prod-gwiiag.kinesis.backend_events', schema, rows, partitioning: { field: 'event_created_at', type: 'DAY' }, requirePartitionFilter: true }],
 *   });
 *   const client = new BigQuery({ projectId: bq.project, apiEndpoint: bq.endpoint, authClient: bq.authClient });
 *   ... bq.rows('dw-prod-gwiiag.kinesis.backend_events'), bq.jobs, bq.traffic, bq.faults.add({...}) ...
 *   await bq.close();
 *
 * What it does and does not emulate is listed in bigqueryEmulator/README.md.
 */
import { OAuth2Client } from 'google-auth-library';
import type { Server } from 'node:http';
import type { Faults } from './bigqueryEmulator/faults.js';
import { ACCESS_TOKEN, listen, newTraffic, type Traffic } from './bigqueryEmulator/http.js';
import type { EmulatorJob } from './bigqueryEmulator/jobs.js';
import { Service } from './bigqueryEmulator/service.js';
import { Store, type Partitioning, type TableDefinition } from './bigqueryEmulator/store.js';
import type { SchemaField } from './bigqueryEmulator/types.js';
import { formatTimestamp } from './bigqueryEmulator/civil.js';
import type { JsValue } from './bigqueryEmulator/values.js';
import { startZetasql, ZetaSqlError } from './bigqueryEmulator/zetasql.js';

export type { EmulatorJob } from './bigqueryEmulator/jobs.js';
export type { Fault, FaultEffect, FaultHandle, FaultRequest } from './bigqueryEmulator/faults.js';
export type { Traffic, TrafficEntry } from './bigqueryEmulator/http.js';
export type { SchemaField } from './bigqueryEmulator/types.js';
export type { JsValue } from './bigqueryEmulator/values.js';

export type EmulatorTable = {
  path: string;
  schema: SchemaField[];
  rows?: Record<string, unknown>[];
  partitioning?: Partitioning;
  requirePartitionFilter?: boolean;
};

export type EmulatorOptions = {
  project: string;
  /** Datasets of `project` (or of `project` given per dataset) and their locations. */
  datasets: Record<string, { location: string; project?: string }>;
  tables?: EmulatorTable[];
  /** Rows per getQueryResults page (small ones exercise pagination). Default 10,000. */
  pageSize?: number;
  /** Status reads a finished job still answers RUNNING (jobComplete: false). Default 1. */
  runningPolls?: number;
  /** The emulator's clock (lastModifiedTime, insert times), canonical timestamp text; default the machine's. */
  now?: string;
  /** Service accounts whose self-signed JWTs are accepted: email -> public key PEM. */
  serviceAccounts?: Record<string, string>;
};

export type BigqueryEmulator = {
  endpoint: string;
  project: string;
  /** An OAuth2Client holding the one fixed token the emulator accepts. */
  authClient: OAuth2Client;
  /** Accepts self-signed JWTs of this service account (its key's public half, PEM) from now on. */
  addServiceAccount(email: string, publicKey: string): void;
  /** Every job received, in order (dry runs and load jobs included). */
  jobs: EmulatorJob[];
  traffic: Traffic;
  faults: Faults;
  /** Overrides the bytes a job reads (dry runs' totalBytesProcessed and the maximumBytesBilled check); undefined keeps the emulator's. */
  estimate?: (job: EmulatorJob) => bigint | undefined;
  /** The committed rows of a table as JS values (INT64 bigint, TIMESTAMP canonical text, JSON text, NULL null). */
  rows(path: string): Record<string, JsValue>[];
  insertRows(path: string, rows: Record<string, unknown>[]): Promise<void>;
  createTable(table: EmulatorTable): Promise<void>;
  /** Sets the clock (canonical text or micros); undefined follows the machine's clock again. */
  setTime(time: string | bigint | undefined): void;
  now(): string;
  /** Resolves when every job allowed to run has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
};

export async function startBigqueryEmulator(options: EmulatorOptions): Promise<BigqueryEmulator> {
  const z = await startZetasql();
  try {
    const store = new Store(options.project, async (texts) => {
      if (!texts.length) return [];
      const INT64 = { typeKind: 'TYPE_INT64' },
        JSON_TYPE = { typeKind: 'TYPE_JSON' };
      try {
        const r = await z.query(
          'SELECT i, TO_JSON_STRING(j) FROM t ORDER BY i',
          {
            tables: [
              {
                name: 't',
                column: [
                  { name: 'i', type: INT64 },
                  { name: 'j', type: JSON_TYPE },
                ],
              },
            ],
            content: { t: texts.map((x, i) => [{ int64Value: String(i) }, { jsonValue: x }]) },
          },
          [],
        );
        return r.rows.map((row) => row[1]!.stringValue!);
      } catch (e) {
        if (e instanceof ZetaSqlError) throw new Error(`bigquery emulator: invalid JSON value: ${e.message}`);
        throw e;
      }
    });
    if (options.now) store.setNow(options.now);
    for (const [id, d] of Object.entries(options.datasets)) store.addDataset(d.project ?? options.project, id, d.location);
    for (const t of options.tables ?? []) await store.createTable(t as TableDefinition);

    const service = new Service(store, z, { pageSize: options.pageSize ?? 10_000, runningPolls: options.runningPolls ?? 1 });
    const traffic = newTraffic();
    const accounts = new Map(Object.entries(options.serviceAccounts ?? {}));
    const { server, endpoint } = await listen(service, traffic, accounts);
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: ACCESS_TOKEN, expiry_date: Date.now() + 3_600_000 });

    const emulator: BigqueryEmulator = {
      endpoint,
      project: options.project,
      authClient,
      addServiceAccount: (email, publicKey) => void accounts.set(email, publicKey),
      jobs: service.jobs,
      traffic,
      faults: service.faults,
      get estimate() {
        return service.estimate;
      },
      set estimate(f) {
        service.estimate = f;
      },
      rows: (path) => store.rowsOf(store.table(path)),
      insertRows: (path, rows) => store.insertRows(path, rows),
      createTable: async (t) => void (await store.createTable(t as TableDefinition)),
      setTime: (time) => store.setNow(time),
      now: () => formatTimestamp(store.now()),
      idle: () => service.idle(),
      close: async () => {
        await service.idle().catch(() => undefined);
        const closed = new Promise<void>((resolve) => (server as Server).close(() => resolve()));
        server.closeAllConnections();
        await closed;
        z.stop();
      },
    };
    return emulator;
  } catch (e) {
    z.stop();
    throw e;
  }
}
