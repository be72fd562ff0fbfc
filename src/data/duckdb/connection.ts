/**
 * Opening the embedded warehouse file.
 *
 * DuckDB lets one process hold a file at a time, so evfix holds it only while
 * an operation runs: two operators (or a TUI and a script) can share a file
 * and take turns. Calls from one process share one instance, opened on the
 * first and closed after the last.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { EvfixError } from '../errors.js';

// The native module costs ~130 ms to load: loaded on the first operation, not at start, so the TUI's first
// frame and headless commands that never touch the warehouse (--help, doctor on BigQuery) do not wait for it.
// Required, not imported: the package is CommonJS, and an ESM import of it has Node parse every one of its
// modules once more to find their named exports (~100 ms of every command that opens the warehouse).
let duckdb: Promise<typeof import('@duckdb/node-api')> | undefined;
export const loadDuckdb = () =>
  (duckdb ??= Promise.resolve().then(() => createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api')));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type DuckdbFileOptions = {
  /** Open with access_mode READ_ONLY: DuckDB itself then refuses every write, and the file stays byte-identical. */
  readOnly?: boolean;
  /** Sees every statement's text before it runs (tests use it to prove no value is ever in the SQL). */
  onSql?: (sql: string) => void;
  lockWaitMs?: number;
  /** DuckDB's memory_limit, e.g. "256MB". */
  memoryLimit?: string;
};

/**
 * How many sessions of one file run at once; the others wait their turn. DuckDB's memory limit is the
 * instance's, shared by every query running in it: the TUI's stage list asks for each stage's counts at once,
 * and on a 10M-event warehouse ten such queries in the 96 MB limit failed with DuckDB's out-of-memory error,
 * where one at a time each has the whole limit. One core is DuckDB's anyway (see `settings`).
 */
export const SESSIONS_AT_ONCE = 1;

/** Where DuckDB spills what does not fit its memory limit: its own default name, beside the warehouse file. */
export const spillDirectory = (path: string) => `${path}.tmp`;

/**
 * A DuckDB failure as the operator reads it. Running out of memory names evfix's setting: DuckDB's own advice
 * (SET memory_limit, fewer threads) is nothing an operator can do through evfix.
 */
export function duckdbError(path: string, error: unknown, memoryLimit: string | undefined): EvfixError {
  if (error instanceof EvfixError) return error;
  const message = (error as Error).message;
  if (/^Out of Memory Error/i.test(message)) {
    const limit = memoryLimit ? `its memory limit, engine.memory_limit ${memoryLimit}` : 'its memory limit';
    return new EvfixError(
      'warehouse',
      `warehouse ${path}: DuckDB needed more than ${limit}; set a higher engine.memory_limit in the config (such as "256MB") and try again`,
    );
  }
  return new EvfixError('warehouse', `warehouse ${path}: ${message}`);
}

export class DuckdbFile {
  private instance: Promise<DuckDBInstance> | undefined;
  private users = 0;
  private readonly lockWaitMs: number;
  /** Sessions holding a turn, and those waiting for one (first come, first served). */
  private turns = 0;
  private readonly queue: (() => void)[] = [];
  /** The session whose work is running: a session opened inside it (nested) needs no turn while it lasts. */
  private readonly inside = new AsyncLocalStorage<{ ended: boolean }>();
  /**
   * Told when a session must wait for its turn. The engine gives up a plan's snapshot kept for its apply
   * (a lease that holds a turn between calls) so that it never keeps anyone waiting.
   */
  onWait: (() => void) | undefined;

  constructor(
    readonly path: string,
    private readonly options: DuckdbFileOptions = {},
  ) {
    this.lockWaitMs = options.lockWaitMs ?? 3000;
  }

  /**
   * The instance's DuckDB settings. A plan's statements read and write millions of rows inside DuckDB; a
   * memory limit (spilling to disk beyond it) keeps the bastion host's memory flat whatever the row count, and
   * without insertion order an INSERT ... SELECT need not buffer rows to keep them in order (evfix reads every
   * table with an ORDER BY where order matters).
   */
  settings(): Record<string, string> {
    // One core is left to the process's own thread (the TUI draws and reads keys on it): with every core busy
    // in DuckDB, a 2-core bastion host delays each frame by tens of milliseconds.
    const settings: Record<string, string> = {
      preserve_insertion_order: 'false',
      threads: String(Math.max(1, availableParallelism() - 1)),
      // DuckDB's allocator keeps the pages a query freed for the next one; purged after every task instead,
      // the process holds what DuckDB uses, not its high-water mark (a million-event update peaked about 50 MB
      // lower with the same memory limit).
      allocator_flush_threshold: '4MB',
      allocator_bulk_deallocation_flush_threshold: '4MB',
      temp_directory: spillDirectory(this.path),
    };
    if (this.options.readOnly) settings.access_mode = 'READ_ONLY';
    if (this.options.memoryLimit) settings.memory_limit = this.options.memoryLimit;
    return settings;
  }

  /** Runs `work` with a connection of its own, in its turn; the file is released when no work is left. */
  async session<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    const running = { ended: false };
    try {
      return await this.inside.run(running, () => work(lease.conn));
    } catch (error) {
      throw duckdbError(this.path, error, this.options.memoryLimit);
    } finally {
      running.ended = true;
      await lease.end();
    }
  }

  /** Sessions waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * A connection of its own, held until `end` (a session that outlives one call: a plan's snapshot kept for the
   * apply that follows it at once). The file stays open, and locked against other processes, until then.
   */
  async lease(): Promise<{ conn: DuckDBConnection; end: () => Promise<void> }> {
    const release = await this.turn();
    this.users++;
    let conn: DuckDBConnection | undefined;
    let ended = false;
    const end = async () => {
      if (ended) return;
      ended = true;
      try {
        await this.close(conn);
      } finally {
        release();
      }
    };
    try {
      this.instance ??= this.open();
      const opening = this.instance;
      // A failed open is not handed to the sessions waiting: each tries (and waits for the lock) on its own.
      conn = await (
        await opening.catch((error: unknown) => {
          if (this.instance === opening) this.instance = undefined;
          throw error;
        })
      ).connect();
    } catch (error) {
      await end();
      throw duckdbError(this.path, error, this.options.memoryLimit);
    }
    return { conn: this.options.onSql ? logged(conn, this.options.onSql) : conn, end };
  }

  /** A turn to run (see SESSIONS_AT_ONCE), and how to give it back; a nested session shares its caller's. */
  private async turn(): Promise<() => void> {
    const outer = this.inside.getStore();
    if (outer && !outer.ended) return () => undefined;
    if (this.turns < SESSIONS_AT_ONCE) this.turns++;
    else {
      // Handed over by the session that ends (turns stays counted), so a newcomer cannot take it in between.
      const handedOver = new Promise<void>((resolve) => this.queue.push(resolve));
      this.onWait?.();
      await handedOver;
    }
    let givenBack = false;
    return () => {
      if (givenBack) return;
      givenBack = true;
      const next = this.queue.shift();
      if (next) next();
      else this.turns--;
    };
  }

  /** Closes a lease's connection and, after the last, the instance. */
  private async close(conn: DuckDBConnection | undefined): Promise<void> {
    // The instance stays open for a session waiting its turn: reopening the file costs more than the wait. One
    // that comes while the instance closes gets its turn after, and opens it again.
    const closing = this.users === 1 && this.queue.length === 0;
    // Closing the last connection checkpoints the file synchronously, holding the event loop (the TUI) for as
    // long as the write was big; a CHECKPOINT run first does that work off the main thread.
    if (conn && closing && !this.options.readOnly) await conn.run('CHECKPOINT').catch(() => undefined);
    // Closing the instance frees its buffers on this thread (20-40 ms after a big plan); lowering the memory
    // limit first has DuckDB release them on its own threads, so the close that follows is short.
    if (conn && closing) await conn.run("SET memory_limit = '16MB'").catch(() => undefined);
    try {
      conn?.closeSync();
      // Closing the connection and then the instance are two holds of the loop of several milliseconds each: the
      // screen gets its turn between them.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      this.users--;
    }
    if (closing && this.instance) {
      const pending = this.instance;
      this.instance = undefined;
      await pending.then((i) => i.closeSync()).catch(() => undefined);
      // Closing holds the loop for 10-15 ms; what the caller does next must not run in the same turn and
      // make it one longer freeze, so the screen gets its turn in between.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async open(): Promise<DuckDBInstance> {
    // The spill folder, and with it the file's own folder (they are siblings). DuckDB removes a spill folder it
    // created itself when the instance closes, on the thread that closes it: while the disk was busy writing back
    // (a big file copied just before), that one rmdir waited on the filesystem's journal for 0.05-1.6 s, the TUI
    // frozen. A folder that is there already it leaves in place (only its own files in it are removed, and a
    // plan has removed them by then), so evfix creates it and keeps it.
    if (!this.options.readOnly) await mkdir(spillDirectory(this.path), { recursive: true });
    const deadline = Date.now() + this.lockWaitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await (await loadDuckdb()).DuckDBInstance.create(this.path, this.settings());
      } catch (error) {
        const message = (error as Error).message;
        if (!/lock/i.test(message)) {
          throw new EvfixError('warehouse', `cannot open warehouse ${this.path}: ${message}`);
        }
        if (Date.now() >= deadline) {
          const pid = /PID (\d+)/.exec(message)?.[1];
          throw new EvfixError(
            'warehouse',
            `warehouse ${this.path} is in use by another process${pid ? ` (PID ${pid})` : ''}; wait for its operation to finish and try again`,
          );
        }
        await sleep(Math.min(50 * 2 ** attempt, 400));
      }
    }
  }
}

/** The same connection, reporting each statement's text first. */
function logged(conn: DuckDBConnection, onSql: (sql: string) => void): DuckDBConnection {
  return new Proxy(conn, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'run' || prop === 'runAndReadAll' || prop === 'stream' || prop === 'prepare') {
        return (sql: string, ...rest: unknown[]) => {
          onSql(sql);
          return (value as (...a: unknown[]) => unknown).call(target, sql, ...rest);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
