/** The insert screen's check of an event's event_data keys against the stage's own events. */
import { describe, expect, it } from 'vitest';
import { compareEventKeys } from '../../src/data/operations/insert.js';
import { event, insertOriginals, makeWarehouse } from '../helpers/warehouse.js';

const eventText = (data: unknown) => JSON.stringify({ event_id: 'x', event_created_at: 'y', event_data: data });

describe('compareEventKeys', () => {
  it('names the usual keys the event lacks and the keys no sampled event has', () => {
    const sample = [
      { a: 1, b: 2, c: 3 },
      { a: 1, b: 2 },
      { a: 1, b: 2, d: 4 },
    ].map((d) => JSON.stringify(d));
    expect(compareEventKeys(eventText({ a: 1, x: 2 }), sample)).toEqual({ sampled: 3, missing: ['b'], unusual: ['x'] });
    // c and d are in fewer than half of the sample: not usual, but seen, so neither missing nor unusual.
    expect(compareEventKeys(eventText({ a: 1, b: 2, d: 1 }), sample)).toEqual({ sampled: 3, missing: [], unusual: [] });
    // event_data given as a string of JSON, as an insert file may give it.
    expect(compareEventKeys(eventText(JSON.stringify({ a: 1, b: 2 })), sample)).toEqual({ sampled: 3, missing: [], unusual: [] });
  });

  it('compares nothing when there is nothing to compare with, or the event does not parse', () => {
    expect(compareEventKeys(eventText({ a: 1 }), [])).toEqual({ sampled: 0, missing: [], unusual: [] });
    expect(compareEventKeys('{ nope', ['{"a":1}'])).toEqual({ sampled: 0, missing: [], unusual: [] });
  });

  it('is reached through the service on a sample of the stage table', async () => {
    const { service, warehouse } = await makeWarehouse();
    await insertOriginals(warehouse, [event(), event(), event({ event_name: 'TransactionWasCreated', data: { transaction_id: 't' } })]);
    const check = await service.call('insertKeyCheck', { stage: 'remittance_was_sent_event', text: eventText({ transaction_id: 't' }) });
    expect(check).toEqual({ sampled: 2, missing: ['remittance_id', 'Status', 'amount'], unusual: ['transaction_id'] });
  });
});
