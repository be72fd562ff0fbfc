/**
 * Deterministic demo events: a small fintech's backend over the last 30 days,
 * with the faults evfix exists to fix: re-delivered copies of an event_id
 * (some identical, some whose event_data differs), the same transaction_id
 * under two event_ids, remittances stuck in Pending, and events older than the
 * lookback window. The same seed and day give the same rows.
 */
import type { EventRow } from '../model.js';
import { formatTimestamp, type Micros } from '../timestamp.js';

const DAY = 86_400_000_000n;

/** mulberry32: tiny, fast and good enough for demo data. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type DemoOptions = { events: number; seed: number; now: Micros };

/** All the demo events at once. */
export function generateDemoEvents(options: DemoOptions): EventRow[] {
  return [...demoEvents(options)];
}

/** The demo events one at a time, so a seeder can write them in slices; the same rows as generateDemoEvents. */
export function* demoEvents({ events, seed, now }: DemoOptions): Generator<EventRow, void, undefined> {
  const rand = random(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`;
  const money = (max: number) => Math.round(rand() * max * 100) / 100;
  const users = Array.from({ length: Math.max(50, Math.floor(events / 20)) }, uuid);
  const advisors = Array.from({ length: 12 }, uuid);
  const currencies = ['EUR', 'GBP', 'USD', 'PLN', 'RON'];
  const start = now - 30n * DAY;

  const kinds: { name: string; weight: number; data: (createdAt: Micros) => Record<string, unknown> }[] = [
    {
      name: 'TransactionWasCreated',
      weight: 40,
      data: () => ({
        transaction_id: `tx_${hex(12)}`,
        amount: money(900),
        currency: pick(currencies),
        merchant: pick(['Lidl', 'Uber', 'Amazon', 'Tesco', 'Zara', 'Bolt']),
        mcc: pick(['5411', '4121', '5942', '5651']),
      }),
    },
    {
      name: 'RemittanceWasSent',
      weight: 20,
      data: (createdAt) => ({
        remittance_id: `rm_${hex(10)}`,
        // Recent remittances are still in flight; a few old ones are stuck in Pending.
        Status: now - createdAt < 2n * DAY ? pick(['Pending', 'Sent']) : rand() < 0.04 ? 'Pending' : pick(['Sent', 'Sent', 'Sent', 'Delivered']),
        amount: money(2500),
        currency: pick(currencies),
        recipient_country: pick(['RO', 'PL', 'IN', 'PH', 'MX', 'NG']),
      }),
    },
    {
      name: 'CardWasShipped',
      weight: 15,
      data: () => ({
        card_id: `card_${hex(8)}`,
        shipment_id: `sh_${hex(8)}`,
        carrier: pick(['DHL', 'Royal Mail', 'UPS', 'La Poste']),
        tracking_number: hex(14).toUpperCase(),
      }),
    },
    {
      name: 'AccountWasOpened',
      weight: 15,
      data: () => ({ account_id: `acc_${hex(10)}`, currency: pick(currencies), product: pick(['current', 'savings', 'business']) }),
    },
    {
      name: 'UserWasRegistered',
      weight: 10,
      data: () => ({ country: pick(['GB', 'FR', 'DE', 'RO', 'PL', 'ES']), channel: pick(['ios', 'android', 'web']), marketing_opt_in: rand() < 0.4 }),
    },
  ];
  const totalWeight = kinds.reduce((s, k) => s + k.weight, 0);
  const chooseKind = () => {
    let r = rand() * totalWeight;
    for (const k of kinds) {
      r -= k.weight;
      if (r < 0) return k;
    }
    return kinds[0]!;
  };

  const micros = (n: number) => BigInt(Math.floor(n));
  let made = 0;
  while (made < events) {
    const kind = chooseKind();
    const createdAt = start + micros(rand() * Number(30n * DAY));
    const ingestedAt = createdAt + micros(200_000 + rand() * 5_000_000);
    const row: EventRow = {
      event_created_at: formatTimestamp(createdAt),
      event_id: uuid(),
      event_name: kind.name,
      user_id: pick(users),
      event_external_reference_id: rand() < 0.7 ? `ext_${hex(10)}` : null,
      event_advisor_id: rand() < 0.15 ? pick(advisors) : null,
      event_data: JSON.stringify(kind.data(createdAt)),
      event_ingested_at: formatTimestamp(ingestedAt),
    };
    yield row;
    if (++made >= events) break;
    const roll = rand();
    if (roll < 0.005) {
      // Kinesis re-delivery: the same event again, minutes to hours later; half of them with changed data.
      const later = formatTimestamp(ingestedAt + micros(60_000_000 + rand() * 6 * 3_600_000_000));
      const data = JSON.parse(row.event_data) as Record<string, unknown>;
      if (rand() < 0.5) {
        if ('Status' in data) data.Status = data.Status === 'Pending' ? 'Sent' : 'Pending';
        else data.redelivered = true;
      }
      yield { ...row, event_ingested_at: later, event_data: JSON.stringify(data) };
      made++;
    } else if (roll < 0.008 && kind.name === 'TransactionWasCreated') {
      // The same transaction published twice under a new event_id.
      const again = createdAt + micros(rand() * 30_000_000);
      yield { ...row, event_id: uuid(), event_created_at: formatTimestamp(again), event_ingested_at: formatTimestamp(again + 500_000n) };
      made++;
    }
  }
}
