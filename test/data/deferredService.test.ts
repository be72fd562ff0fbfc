/**
 * The service the TUI draws its first frame with, before the warehouse is opened (src/tui.tsx): calls made
 * meanwhile wait and then reach the real service, on a real DuckDB warehouse.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvfixError } from '../../src/data/errors.js';
import { Journal } from '../../src/data/journal.js';
import { deferredService } from '../../src/data/service/deferredService.js';
import { openService } from '../../src/data/service/open.js';
import type { Service } from '../../src/data/service/service.js';
import { event, insertOriginals, makeWarehouse, tempDir } from '../helpers/warehouse.js';

function later<T>() {
  let settle!: { resolve: (value: T | Promise<T>) => void; reject: (error: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  return { promise, ...settle };
}

describe('deferredService', () => {
  it('answers a call made while the warehouse is being opened, once it is open', async () => {
    const w = await makeWarehouse();
    await insertOriginals(w.warehouse, [event(), event()]);
    const opening = later<Service>();
    const service = deferredService(w.config, 'ops', opening.promise);
    // Config and operator are there at once: the first frame draws the stage names from them.
    expect(service.config).toBe(w.config);
    expect(service.operator).toBe('ops');
    let answered = false;
    const summary = service.call('stageSummary', { stage: 'remittance_was_sent_event', lookbackDays: 3650 }).then((s) => {
      answered = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    await service.cancelReads(); // nothing to cancel yet, and it does not wait for the opening
    const opened = await openService(w.config, { operator: 'ops' });
    opening.resolve(opened.service);
    expect(await summary).toMatchObject({ stage: 'remittance_was_sent_event', events: 2 });
    await service.close();
  });

  it('fails every call with the reason the opening failed, and closes without a warehouse', async () => {
    const w = await makeWarehouse();
    const opening = later<Service>();
    const service = deferredService(w.config, 'ops', opening.promise);
    const pending = service.call('stageSummary', { stage: 'remittance_was_sent_event', lookbackDays: 14 });
    opening.reject(new EvfixError('warehouse', 'keyfile: cannot read /keys/evfix.json: ENOENT'));
    await expect(pending).rejects.toThrow('keyfile: cannot read /keys/evfix.json: ENOENT');
    await expect(service.call('history', { limit: 5 })).rejects.toThrow('keyfile: cannot read');
    await expect(service.close()).resolves.toBeUndefined();
  });
});

describe('openService', () => {
  it('fails a command whose journal cannot be read; the TUI opens anyway and says why', async () => {
    const w = await makeWarehouse();
    // A journal path that is a folder (as a run under sudo can leave): reading it fails with EISDIR.
    const path = join(tempDir(), 'journal.jsonl');
    mkdirSync(path);
    await expect(openService(w.config, { operator: 'ops', journal: new Journal(path) })).rejects.toThrow(/EISDIR/);
    const opened = await openService(w.config, { operator: 'ops', journal: new Journal(path), reconcile: 'best-effort' });
    expect(opened.notes).toEqual([expect.stringMatching(/^could not check for an apply interrupted last time: .*EISDIR/)]);
    await opened.service.close();
  });
});
