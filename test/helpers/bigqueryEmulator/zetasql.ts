/**
 * Google's ZetaSQL reference implementation as the emulator's SQL engine: the
 * gRPC server shipped in @fivetrandevelopers/zetasql runs on a free loopback
 * port, and this is a small typed client for the four calls the emulator
 * needs (split a script, analyze, evaluate a query, evaluate a DML statement).
 *
 * The client is our own rather than the package's singleton so two servers
 * in one process cannot swap each other's port, and it reads 64-bit integers
 * as decimal strings so no value passes through a JS number.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { TypeProto, ValueProto } from './values.js';

const require = createRequire(import.meta.url);
const packageMain = require.resolve('@fivetrandevelopers/zetasql');
// gRPC comes with the zetasql package; resolve it from there, not from our own dependencies.
const fromPackage = createRequire(packageMain);
const grpc = fromPackage('@grpc/grpc-js') as {
  credentials: { createInsecure(): unknown };
  loadPackageDefinition(def: unknown): Record<string, unknown>;
};
const protoLoader = fromPackage('@grpc/proto-loader') as { loadSync(file: string, options: Record<string, unknown>): unknown };

export type ColumnProto = { name: string; type: TypeProto; isPseudoColumn?: boolean };
export type TableProto = { name: string; column: ColumnProto[]; primaryKeyColumnIndex?: number[] };
export type Catalog = { tables: TableProto[]; content?: Record<string, ValueProto[][]> };
export type NamedParam = { name: string; type: TypeProto; value: ValueProto };

/** A ZetaSQL error: `code` is the gRPC status (3 invalid argument = analysis, 11 out of range = runtime ERROR()). */
export class ZetaSqlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type ModifiedRow = { operation: 'INSERT' | 'DELETE' | 'UPDATE'; cell?: ValueProto[]; oldPrimaryKey?: ValueProto[] };

export type Zetasql = {
  /** The statements of a script as ZetaSQL's own parser splits them: byte offsets and the tables each names. */
  nextStatement(script: string, bytePosition: number): Promise<{ end: number; tables: string[][] }>;
  analyze(sql: string, catalog: Catalog, params: readonly NamedParam[]): Promise<Record<string, unknown>>;
  query(sql: string, catalog: Catalog, params: readonly NamedParam[]): Promise<{ columns: ColumnProto[]; rows: ValueProto[][] }>;
  modify(sql: string, catalog: Catalog, params: readonly NamedParam[]): Promise<{ table: string; rows: ModifiedRow[] }>;
  stop(): void;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Rpc = (request: unknown, callback: (error: { code?: number; details?: string; message?: string } | null, response: unknown) => void) => void;

export async function startZetasql(): Promise<Zetasql> {
  const protos = join(dirname(packageMain), 'zetasql', 'protos');
  const binary = join(dirname(packageMain), 'zetasql', process.arch === 'arm64' ? 'remote_server_arm.so' : 'remote_server.so');
  const port = await freePort();
  const child: ChildProcess = execFile(binary, ['127.0.0.1', String(port)], { maxBuffer: 64 * 1024 * 1024 });
  child.stdout?.resume();
  // Kept so a crash of the server says why (gRPC only reports "Connection dropped").
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const definition = protoLoader.loadSync('local_service.proto', { longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [protos] });
  const pkg = grpc.loadPackageDefinition(definition) as {
    zetasql: { local_service: { ZetaSqlLocalService: new (address: string, credentials: unknown, options: Record<string, unknown>) => Record<string, Rpc> } };
  };
  const api = new pkg.zetasql.local_service.ZetaSqlLocalService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 512 * 1024 * 1024,
    'grpc.max_receive_message_length': 512 * 1024 * 1024,
  });
  const call = <T>(method: string, request: unknown) =>
    new Promise<T>((resolve, reject) =>
      api[method]!.call(api, request, (error, response) => {
        if (!error) return resolve(response as T);
        const message = error.details ?? error.message ?? String(error);
        // 14 UNAVAILABLE: the server is gone; that is the emulator's failure, not the statement's.
        if (error.code === 14) return reject(new Error(`the ZetaSQL server failed (${message}); its last output:\n${stderr}`));
        reject(new ZetaSqlError(error.code ?? 2, message));
      }),
    );
  for (let i = 0; ; i++) {
    try {
      await call('formatSql', { sql: 'SELECT 1' });
      break;
    } catch {
      if (i > 150) throw new Error(`the ZetaSQL server did not start on 127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const maximum = await call<Record<string, unknown>>('getLanguageOptions', { maximumFeatures: true });
  // BigQuery's dialect: external product mode, every statement kind.
  const languageOptions = { ...maximum, productMode: 'PRODUCT_EXTERNAL', supportedStatementKinds: [] };

  const options = (params: readonly NamedParam[], analyzeOnly = false) => ({
    languageOptions,
    errorMessageMode: 'ERROR_MESSAGE_ONE_LINE',
    // BigQuery's default time zone; ZetaSQL's own default is America/Los_Angeles.
    defaultTimezone: 'UTC',
    // Table scans then list only the columns a statement reads: what a dry run bills. Analysis
    // only: EvaluateModify with pruned columns crashes the server (unset values it cannot serialize).
    pruneUnusedColumns: analyzeOnly,
    parameterMode: 'PARAMETER_NAMED',
    queryParameters: params.map((p) => ({ name: p.name, type: p.type })),
  });
  const simpleCatalog = (catalog: Catalog) => ({ name: 'bigquery', table: catalog.tables, builtinFunctionOptions: { languageOptions } });
  const tableContent = (catalog: Catalog) =>
    Object.fromEntries(Object.entries(catalog.content ?? {}).map(([name, rows]) => [name, { tableData: { row: rows.map((cell) => ({ cell })) } }]));
  const values = (params: readonly NamedParam[]) => params.map((p) => ({ name: p.name, value: p.value }));

  return {
    async nextStatement(script, bytePosition) {
      const r = await call<{ resumeBytePosition: number; tableName?: { tableNameSegment: string[] }[] }>('extractTableNamesFromNextStatement', {
        parseResumeLocation: { input: script, bytePosition },
        options: languageOptions,
      });
      return { end: r.resumeBytePosition, tables: (r.tableName ?? []).map((t) => t.tableNameSegment) };
    },
    async analyze(sql, catalog, params) {
      const r = await call<{ resolvedStatement: Record<string, unknown> }>('analyze', {
        sqlStatement: sql,
        options: options(params, true),
        simpleCatalog: simpleCatalog(catalog),
      });
      return r.resolvedStatement;
    },
    async query(sql, catalog, params) {
      const r = await call<{ content?: { tableData?: { row?: { cell?: ValueProto[] }[] } }; prepared?: { columns?: ColumnProto[] } }>('evaluateQuery', {
        sql,
        options: options(params),
        simpleCatalog: simpleCatalog(catalog),
        tableContent: tableContent(catalog),
        params: values(params),
      });
      return { columns: r.prepared?.columns ?? [], rows: (r.content?.tableData?.row ?? []).map((row) => row.cell ?? []) };
    },
    async modify(sql, catalog, params) {
      const r = await call<{ tableName?: string; content?: ModifiedRow[] }>('evaluateModify', {
        sql,
        options: options(params),
        simpleCatalog: simpleCatalog(catalog),
        tableContent: tableContent(catalog),
        params: values(params),
      });
      return { table: r.tableName ?? '', rows: r.content ?? [] };
    },
    stop() {
      child.kill('SIGKILL');
    },
  };
}
