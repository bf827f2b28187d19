import type { ItemInput, OutboxItem } from '../item';
import type { OutboxStore } from '../store';
import { equal, ok, rejects } from './contract-assert';

/**
 * The store contract as runnable cases, shared by every OutboxStore implementation: the SQLite
 * store runs them under vitest in Node, the Dexie store inside headless Chromium. A third-party
 * store passes the same cases before it may carry sales. Each case gets a context that makes fresh
 * stores and second connections to the same database.
 */
export interface StoreContractContext {
  /** a new, empty store with a database of its own */
  create(): Promise<OutboxStore>;
  /** another connection to the database of `store` (as another process or tab would open it); works after `store` was closed */
  connect(store: OutboxStore): Promise<OutboxStore>;
}

export interface StoreContractCase {
  name: string;
  run(context: StoreContractContext): Promise<void>;
}

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const LEASE = 30_000;

function sale(key: string, partition = 'till-1', payload: unknown = { total: 1250, lines: [{ sku: 'A', qty: 1 }] }): ItemInput {
  return { key, partition, type: 'sale', payload: payload as ItemInput['payload'] };
}

function claimAll(store: OutboxStore, now = T0, owner = 'flusher-a', maxItems = 1000, maxBytes = 10_000_000) {
  return store.claim({ owner, now, leaseMs: LEASE, maxItems, maxBytes });
}

const seqs = (items: readonly OutboxItem[]) => items.map((i) => [i.partition, i.seq]);
const keys = (items: readonly OutboxItem[]) => items.map((i) => i.key);

async function withStore(context: StoreContractContext, body: (store: OutboxStore) => Promise<void>): Promise<void> {
  const store = await context.create();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

function contractCase(
  name: string,
  body: (store: OutboxStore, context: StoreContractContext) => Promise<void>,
): StoreContractCase {
  return { name, run: (context) => withStore(context, (store) => body(store, context)) };
}

export const storeContractCases: readonly StoreContractCase[] = [
  contractCase('info: a backend name, a store id and a schema version', async (store) => {
    const info = await store.info();
    equal(info.backend, store.backend, 'info.backend');
    ok(typeof info.storeId === 'string' && info.storeId.length >= 16, `storeId looks random: ${info.storeId}`);
    ok(Number.isInteger(info.schemaVersion) && info.schemaVersion >= 1, 'schemaVersion >= 1');
    ok(Number.isFinite(info.createdAt), 'createdAt is a time');
  }),

  contractCase('commit: gapless sequence numbers from 1 per partition, in input order', async (store) => {
    const first = await store.commit({ items: [sale('a1'), sale('b1', 'till-2'), sale('a2')], now: T0 });
    equal(
      seqs(first),
      [
        ['till-1', 1],
        ['till-2', 1],
        ['till-1', 2],
      ],
      'first commit',
    );
    const second = await store.commit({ items: [sale('a3'), sale('b2', 'till-2')], now: T0 + 1 });
    equal(
      seqs(second),
      [
        ['till-1', 3],
        ['till-2', 2],
      ],
      'second commit',
    );
    const partitions = await store.listPartitions();
    equal(
      partitions.map((p) => [p.partition, p.nextSeq, p.blocked]).sort(),
      [
        ['till-1', 4, undefined],
        ['till-2', 3, undefined],
      ],
      'partitions',
    );
  }),

  contractCase('commit: returns the items as stored, and they read back the same', async (store) => {
    const payload = { total: 1999, note: 'Café 纪念杯 🙂', nested: { list: [1, 2.5, null, true, 'x'] } };
    const [item] = await store.commit({ items: [sale('k1', 'till-1', payload)], now: T0 });
    equal(
      item,
      {
        key: 'k1',
        partition: 'till-1',
        seq: 1,
        type: 'sale',
        payload,
        bytes: new TextEncoder().encode(JSON.stringify(payload)).length,
        createdAt: T0,
        state: 'pending',
        attempts: 0,
        notBefore: 0,
        lease: undefined,
        ack: undefined,
        dead: undefined,
        lastError: undefined,
      },
      'committed item',
    );
    equal(await store.listItems(), [item], 'listItems');
  }),

  contractCase('commit: items and companion records in one transaction', async (store) => {
    await store.commit({
      items: [sale('tx-1')],
      records: [
        { collection: 'transactions', key: 'tx-1', value: { id: 'tx-1', total: 1250 } },
        { collection: 'journal', key: '000001', value: { index: 1, hash: 'ab' }, mode: 'insert' },
      ],
      now: T0,
    });
    equal((await store.getRecord('transactions', 'tx-1'))?.value, { id: 'tx-1', total: 1250 }, 'transaction record');
    equal(
      await store.getRecord('journal', '000001'),
      { collection: 'journal', key: '000001', value: { index: 1, hash: 'ab' }, updatedAt: T0 },
      'journal record',
    );
    await rejects(
      () =>
        store.commit({
          items: [sale('tx-2')],
          records: [
            { collection: 'transactions', key: 'tx-2', value: { id: 'tx-2' } },
            { collection: 'journal', key: '000001', value: { index: 1, hash: 'cd' }, mode: 'insert' },
          ],
          now: T0 + 1,
        }),
      'RECORD_CONFLICT',
      'an insert over an existing journal entry',
    );
    equal(keys(await store.listItems({ state: 'all' })), ['tx-1'], 'the refused commit wrote no item');
    equal(await store.getRecord('transactions', 'tx-2'), undefined, 'the refused commit wrote no record');
    equal((await store.getRecord('journal', '000001'))?.value, { index: 1, hash: 'ab' }, 'the journal entry is unchanged');
    const [next] = await store.commit({ items: [sale('tx-3')], now: T0 + 2 });
    equal(next?.seq, 2, 'the refused commit consumed no sequence number');
  }),

  contractCase('commit: an idempotent replay writes nothing; a conflicting reuse of a key is refused', async (store) => {
    const [first] = await store.commit({ items: [sale('k1')], records: [{ collection: 'c', key: 'r', value: 1 }], now: T0 });
    const replay = await store.commit({ items: [sale('k1')], records: [{ collection: 'c', key: 'r', value: 2 }], now: T0 + 5 });
    equal(replay, [first], 'the replay returns the stored item');
    equal((await store.getRecord('c', 'r'))?.value, 1, 'a replay writes none of its records');
    await rejects(
      () => store.commit({ items: [sale('k2'), sale('k1', 'till-1', { total: 1 })], now: T0 }),
      'IDEMPOTENCY_CONFLICT',
      'same key, other payload',
    );
    await rejects(
      () => store.commit({ items: [sale('k1', 'till-9')], now: T0 }),
      'IDEMPOTENCY_CONFLICT',
      'same key, other partition',
    );
    await rejects(
      () => store.commit({ items: [{ ...sale('k1'), type: 'return' }], now: T0 }),
      'IDEMPOTENCY_CONFLICT',
      'same key, other type',
    );
    equal(keys(await store.listItems({ state: 'all' })), ['k1'], 'k2 of the refused call was not written');
    const [k3] = await store.commit({ items: [sale('k3')], now: T0 });
    equal(k3?.seq, 2, 'no sequence number was consumed');
  }),

  contractCase('commit: bad input is refused with VALIDATION_FAILED and writes nothing', async (store) => {
    await rejects(() => store.commit({ items: [{ ...sale('x'), key: '' }], now: T0 }), 'VALIDATION_FAILED', 'empty key');
    await rejects(
      () => store.commit({ items: [sale('x', 'till-1', { total: Number.NaN })], now: T0 }),
      'VALIDATION_FAILED',
      'NaN',
    );
    await rejects(() => store.commit({ items: [sale('x', 'till-1', { f: () => 1 })], now: T0 }), 'VALIDATION_FAILED', 'function');
    await rejects(() => store.commit({ items: [sale('x'), sale('x')], now: T0 }), 'VALIDATION_FAILED', 'a key twice in one call');
    await rejects(
      () => store.commit({ items: [sale('x')], records: [{ collection: 'c', key: 'k', value: undefined as never }], now: T0 }),
      'VALIDATION_FAILED',
      'an undefined record value',
    );
    await rejects(() => store.commit({ items: [sale('x')], now: Number.NaN }), 'VALIDATION_FAILED', 'a NaN time');
    equal(await store.listItems({ state: 'all' }), [], 'nothing was written');
  }),

  contractCase('commit: 500 items in one call', async (store) => {
    const items = Array.from({ length: 500 }, (_, i) => sale(`bulk-${i}`, i % 2 === 0 ? 'even' : 'odd'));
    const stored = await store.commit({ items, now: T0 });
    equal(stored.length, 500, 'stored');
    equal(
      stored.filter((i) => i.partition === 'odd').map((i) => i.seq),
      Array.from({ length: 250 }, (_, i) => i + 1),
      'odd seqs',
    );
    equal((await store.stats(T0)).pending, 500, 'pending');
  }),

  contractCase('claim: in sequence order, partition after partition, within the limits', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3')], now: T0 });
    await store.commit({ items: [sale('b1', 'till-2'), sale('b2', 'till-2')], now: T0 + 10 });
    const claim = await store.claim({ owner: 'f', now: T0 + 20, leaseMs: LEASE, maxItems: 4, maxBytes: 1_000_000 });
    equal(keys(claim.items), ['a1', 'a2', 'a3', 'b1'], 'oldest partition first, then the next, up to maxItems');
    ok(claim.leaseId.length > 0, 'a lease id');
    for (const item of claim.items) {
      equal(
        [item.state, item.attempts, item.lease?.id, item.lease?.owner, item.lease?.until],
        ['in-flight', 1, claim.leaseId, 'f', T0 + 20 + LEASE],
        `lease on ${item.key}`,
      );
    }
    const stored = await store.listItems({ state: 'in-flight' });
    equal(keys(stored), ['a1', 'a2', 'a3', 'b1'], 'the lease is stored');
  }),

  contractCase('claim: byte limit, but never less than one item', async (store) => {
    const big = { blob: 'x'.repeat(5000) };
    await store.commit({ items: [sale('big', 'p', big), sale('small', 'p', { n: 1 })], now: T0 });
    const first = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 10, maxBytes: 100 });
    equal(keys(first.items), ['big'], 'one item even though it alone exceeds maxBytes');
    await store.settle({ leaseId: first.leaseId, now: T0, settlements: [{ key: 'big', outcome: 'acked', result: 'applied' }] });
    await store.commit({ items: [sale('s2', 'p', { n: 2 }), sale('s3', 'p', { n: 3 })], now: T0 });
    const second = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 10, maxBytes: 16 });
    equal(keys(second.items), ['small', 's2'], 'as many as fit in maxBytes');
  }),

  contractCase('claim: one lease at a time per partition; other partitions go on', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('b1', 'till-2')], now: T0 });
    const first = await store.claim({ owner: 'f1', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    equal(keys(first.items), ['a1'], 'first claim');
    const second = await claimAll(store, T0 + 1, 'f2');
    equal(keys(second.items), ['b1'], 'till-1 has a live lease: only till-2 is claimed');
    equal((await claimAll(store, T0 + 2, 'f3')).items, [], 'nothing left to claim');
  }),

  contractCase('claim: a partition with a live lease anywhere in it is skipped', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 2, maxBytes: 1_000_000 });
    equal(keys(claim.items), ['a1', 'a2'], 'leased');
    await store.settle({ leaseId: claim.leaseId, now: T0, settlements: [{ key: 'a1', outcome: 'retry', notBefore: 0 }] });
    equal((await claimAll(store, T0 + 1, 'g')).items, [], 'a2 is still leased: the partition waits');
    equal(keys((await claimAll(store, T0 + LEASE, 'g')).items), ['a1', 'a2', 'a3'], 'after the lease runs out');
  }),

  contractCase('claim: an expired lease returns its items, attempts count up', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2')], now: T0 });
    const first = await claimAll(store, T0, 'crashed');
    equal(keys(first.items), ['a1', 'a2'], 'first lease');
    equal((await claimAll(store, T0 + LEASE - 1, 'f2')).items, [], 'the lease holds until it runs out');
    const stats = await store.stats(T0 + LEASE);
    equal([stats.pending, stats.inFlight], [2, 0], 'an expired lease counts as pending');
    const second = await claimAll(store, T0 + LEASE, 'f2');
    equal(
      second.items.map((i) => [i.key, i.attempts, i.lease?.owner]),
      [
        ['a1', 2, 'f2'],
        ['a2', 2, 'f2'],
      ],
      'reclaimed',
    );
  }),

  contractCase('claim: a lease further ahead than leaseMs (the clock went back) does not hold', async (store) => {
    await store.commit({ items: [sale('a1')], now: T0 });
    await claimAll(store, T0 + 3_600_000, 'future');
    const reclaimed = await claimAll(store, T0, 'now');
    equal(keys(reclaimed.items), ['a1'], 'reclaimed after the clock jumped back an hour');
  }),

  contractCase('claim: a notBefore further ahead than horizonMs (the clock went back) is due', async (store) => {
    await store.commit({ items: [sale('a1')], now: T0 });
    const claim = await claimAll(store, T0);
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: [{ key: 'a1', outcome: 'retry', notBefore: T0 + 600_000 }],
    });
    const request = { owner: 'f', leaseMs: LEASE, maxItems: 10, maxBytes: 1_000_000, horizonMs: 3_600_000 };
    equal((await store.claim({ ...request, now: T0 + 1 })).items, [], 'a ten-minute wait is kept');
    equal(
      keys((await store.claim({ ...request, now: T0 - 86_400_000 })).items),
      ['a1'],
      'after the clock went back a day it is due',
    );
  }),

  contractCase('claim: an item not yet due holds back its partition only', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('b1', 'till-2')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: [{ key: 'a1', outcome: 'retry', notBefore: T0 + 5000, error: 'retry-after' }],
    });
    equal(keys((await claimAll(store, T0 + 1)).items), ['b1'], 'till-1 waits for a1; till-2 goes on');
    const due = await claimAll(store, T0 + 5000);
    equal(keys(due.items), ['a1', 'a2'], 'a1 then a2 once due');
  }),

  contractCase('settle: acked, retry and dead, each recorded', async (store) => {
    await store.commit({ items: [sale('a'), sale('b', 'p2'), sale('c', 'p3')], now: T0 });
    const claim = await claimAll(store, T0 + 1);
    const applied = await store.settle({
      leaseId: claim.leaseId,
      now: T0 + 2,
      settlements: [
        { key: 'a', outcome: 'acked', result: 'duplicate', endpointId: 'primary' },
        { key: 'b', outcome: 'retry', notBefore: T0 + 1000, error: 'HTTP 503' },
        { key: 'c', outcome: 'dead', code: 'PRICE_MISMATCH', message: 'total differs', source: 'item' },
      ],
    });
    equal(applied, 3, 'three settlements applied');
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map(async (k) => (await store.listItems({ state: 'all' })).find((i) => i.key === k)),
    );
    equal(
      [a?.state, a?.ack, a?.lease],
      ['acked', { at: T0 + 2, result: 'duplicate', endpointId: 'primary' }, undefined],
      'a acked',
    );
    equal([b?.state, b?.notBefore, b?.lastError, b?.lease], ['pending', T0 + 1000, 'HTTP 503', undefined], 'b pending again');
    equal(
      [c?.state, c?.seq, c?.dead],
      ['dead', 1, { at: T0 + 2, code: 'PRICE_MISMATCH', message: 'total differs', source: 'item', seq: 1 }],
      'c dead',
    );
    const stats = await store.stats(T0 + 2);
    equal([stats.pending, stats.inFlight, stats.acked, stats.dead], [1, 0, 1, 1], 'stats');
  }),

  contractCase('settle: a lost lease may still ack, but not retry or dead-letter', async (store) => {
    await store.commit({ items: [sale('a'), sale('b', 'p2')], now: T0 });
    const old = await claimAll(store, T0, 'slow');
    const fresh = await claimAll(store, T0 + LEASE, 'fast');
    equal(fresh.items.length, 2, 'reclaimed after expiry');
    const applied = await store.settle({
      leaseId: old.leaseId,
      now: T0 + LEASE + 1,
      settlements: [
        { key: 'a', outcome: 'acked', result: 'applied' },
        { key: 'b', outcome: 'dead', code: 'X', source: 'item' },
      ],
    });
    equal(applied, 1, 'only the ack applied');
    const items = await store.listItems({ state: 'all' });
    equal(
      items.map((i) => [i.key, i.state]),
      [
        ['a', 'acked'],
        ['b', 'in-flight'],
      ],
      'b stays with the fresh lease',
    );
    equal(
      await store.settle({
        leaseId: fresh.leaseId,
        now: T0 + LEASE + 2,
        settlements: [{ key: 'a', outcome: 'acked', result: 'duplicate' }],
      }),
      0,
      'an acked item is not acked twice',
    );
    equal(
      await store.settle({
        leaseId: 'no-such-lease',
        now: T0,
        settlements: [{ key: 'zz', outcome: 'acked', result: 'applied' }],
      }),
      0,
      'unknown key',
    );
  }),

  contractCase('settle: a request-level dead letter gives its sequence number back', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0 + 1,
      settlements: [{ key: 'a1', outcome: 'dead', code: 'HTTP_PAYLOAD_TOO_LARGE', source: 'request' }],
    });
    const items = await store.listItems({ state: 'all' });
    equal(
      items.map((i) => [i.key, i.state, i.seq]),
      [
        ['a1', 'dead', null],
        ['a2', 'pending', 1],
        ['a3', 'pending', 2],
      ],
      'later items moved down',
    );
    equal(
      items[0]?.dead,
      { at: T0 + 1, code: 'HTTP_PAYLOAD_TOO_LARGE', message: undefined, source: 'request', seq: 1 },
      'dead info',
    );
    const [a4] = await store.commit({ items: [sale('a4')], now: T0 + 2 });
    equal(a4?.seq, 3, 'the partition continues without a hole');
  }),

  contractCase('rewind: acked items from the server’s expected number are sent again', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3'), sale('a4')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 3, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: ['a1', 'a2', 'a3'].map((key) => ({ key, outcome: 'acked' as const, result: 'applied' as const })),
    });
    const result = await store.rewind({ partition: 'till-1', fromSeq: 2, now: T0 + 1 });
    equal(result, { ok: true, rewound: 2 }, 'a2 and a3 rewound');
    const items = await store.listItems({ state: 'all' });
    equal(
      items.map((i) => [i.key, i.state, i.ack]),
      [
        ['a1', 'acked', { at: T0, result: 'applied', endpointId: undefined }],
        ['a2', 'pending', undefined],
        ['a3', 'pending', undefined],
        ['a4', 'pending', undefined],
      ],
      'states',
    );
    equal(keys((await claimAll(store, T0 + 2)).items), ['a2', 'a3', 'a4'], 'sent again in order');
  }),

  contractCase('rewind: below what was pruned blocks the partition', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('b1', 'other')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({ leaseId: claim.leaseId, now: T0, settlements: [{ key: 'a1', outcome: 'acked', result: 'applied' }] });
    equal(await store.pruneAcked({ before: T0 + 1, limit: 100 }), 1, 'a1 pruned');
    const result = await store.rewind({ partition: 'till-1', fromSeq: 1, now: T0 + 2 });
    equal(result, { ok: false, code: 'GAP_UNRECOVERABLE', prunedThrough: 1, rewound: 0 }, 'unrecoverable');
    const partition = (await store.listPartitions()).find((p) => p.partition === 'till-1');
    equal(partition?.blocked?.code, 'GAP_UNRECOVERABLE', 'blocked');
    equal(keys((await claimAll(store, T0 + 3)).items), ['b1'], 'the blocked partition is skipped, others go on');
    equal((await store.stats(T0 + 3)).blockedPartitions, 1, 'stats count the block');
  }),

  contractCase('rebasePartition: renumbers open items after a wiped store; refuses numbers already used', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({ leaseId: claim.leaseId, now: T0, settlements: [{ key: 'a1', outcome: 'acked', result: 'applied' }] });
    await store.blockPartition({
      partition: 'till-1',
      code: 'SEQUENCE_BEHIND_SERVER',
      message: 'the server expects 501',
      now: T0 + 1,
    });
    equal((await claimAll(store, T0 + 2)).items, [], 'blocked');
    await rejects(
      () => store.rebasePartition({ partition: 'till-1', nextSeq: 1, now: T0 + 3 }),
      'VALIDATION_FAILED',
      'a number an acked item holds',
    );
    await store.rebasePartition({ partition: 'till-1', nextSeq: 501, now: T0 + 3 });
    const items = await store.listItems({ state: 'all' });
    equal(
      items.map((i) => [i.key, i.seq]),
      [
        ['a1', 1],
        ['a2', 501],
        ['a3', 502],
      ],
      'renumbered in order',
    );
    const [a4] = await store.commit({ items: [sale('a4')], now: T0 + 4 });
    equal(a4?.seq, 503, 'continues from there');
    const partition = (await store.listPartitions()).find((p) => p.partition === 'till-1');
    equal([partition?.nextSeq, partition?.blocked], [504, undefined], 'unblocked');
    await store.rebasePartition({ partition: 'fresh', nextSeq: 77, now: T0 + 5 });
    const [f] = await store.commit({ items: [sale('f1', 'fresh')], now: T0 + 6 });
    equal(f?.seq, 77, 'a restored till continues a partition it never wrote to');
  }),

  contractCase('dead letters: listed, retried at the end of their partition', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('b1', 'p2')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 10, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0 + 1,
      settlements: [
        { key: 'a1', outcome: 'dead', code: 'REJECTED', source: 'item' },
        { key: 'a2', outcome: 'acked', result: 'applied' },
        { key: 'b1', outcome: 'dead', code: 'REJECTED', source: 'item' },
      ],
    });
    equal(keys(await store.listItems({ state: 'dead' })), ['a1', 'b1'], 'listed');
    equal(await store.retryDeadLetters({ keys: ['a1'], now: T0 + 2 }), 1, 'one retried');
    const a1 = (await store.listItems({ state: 'open' }))[0];
    equal(
      [a1?.key, a1?.seq, a1?.state, a1?.attempts, a1?.dead, a1?.notBefore],
      ['a1', 3, 'pending', 0, undefined, 0],
      'a1 back at the end',
    );
    equal(await store.retryDeadLetters({ keys: 'all', now: T0 + 3 }), 1, 'the rest retried');
    equal(await store.retryDeadLetters({ keys: ['a2', 'nope'], now: T0 + 3 }), 0, 'only dead letters are retried');
    equal((await store.stats(T0 + 3)).dead, 0, 'no dead letters left');
  }),

  contractCase('listItems: filters by state and partition, pages in enqueue order', async (store) => {
    await store.commit({ items: [sale('a1'), sale('b1', 'p2'), sale('a2'), sale('b2', 'p2')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({ leaseId: claim.leaseId, now: T0, settlements: [{ key: 'a1', outcome: 'acked', result: 'applied' }] });
    equal(keys(await store.listItems()), ['b1', 'a2', 'b2'], 'open by default');
    equal(keys(await store.listItems({ state: 'all' })), ['a1', 'b1', 'a2', 'b2'], 'all');
    equal(keys(await store.listItems({ state: 'acked' })), ['a1'], 'acked');
    equal(keys(await store.listItems({ state: 'all', partition: 'p2' })), ['b1', 'b2'], 'one partition');
    equal(keys(await store.listItems({ state: 'all', limit: 2, offset: 1 })), ['b1', 'a2'], 'a page');
    await rejects(() => store.listItems({ limit: -1 }), 'VALIDATION_FAILED', 'a negative limit');
  }),

  contractCase('stats: counts, oldest open item and open bytes', async (store) => {
    equal(
      await store.stats(T0),
      { pending: 0, inFlight: 0, dead: 0, acked: 0, oldestOpenAt: undefined, openBytes: 0, blockedPartitions: 0 },
      'empty',
    );
    const [a1] = await store.commit({ items: [sale('a1')], now: T0 });
    const [a2] = await store.commit({ items: [sale('a2', 'p2')], now: T0 + 100 });
    await store.claim({ owner: 'f', now: T0 + 200, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    equal(
      await store.stats(T0 + 200),
      { pending: 1, inFlight: 1, dead: 0, acked: 0, oldestOpenAt: T0, openBytes: a1!.bytes + a2!.bytes, blockedPartitions: 0 },
      'one leased',
    );
  }),

  contractCase('stats: the totals follow every kind of change', async (store) => {
    const check = async (now: number, what: string) => {
      const items = await store.listItems({ state: 'all', limit: 10_000 });
      const open = items.filter((i) => i.state === 'pending' || i.state === 'in-flight');
      const live = open.filter((i) => i.state === 'in-flight' && i.lease !== undefined && now < i.lease.until);
      const stats = await store.stats(now);
      equal(
        [stats.pending, stats.inFlight, stats.dead, stats.acked, stats.openBytes],
        [
          open.length - live.length,
          live.length,
          items.filter((i) => i.state === 'dead').length,
          items.filter((i) => i.state === 'acked').length,
          open.reduce((sum, i) => sum + i.bytes, 0),
        ],
        `stats after ${what}`,
      );
    };
    const big = { blob: 'x'.repeat(300) };
    await store.commit({ items: ['a1', 'a2', 'a3', 'a4', 'a5'].map((k) => sale(k, 'till-1', big)), now: T0 });
    await store.commit({ items: [sale('b1', 'p2'), sale('b2', 'p2')], now: T0 });
    await check(T0, 'commits');
    let claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 4, maxBytes: 1_000_000 });
    await check(T0, 'a claim');
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: [
        { key: 'a1', outcome: 'acked', result: 'applied' },
        { key: 'a2', outcome: 'dead', code: 'R', source: 'item' },
        { key: 'a3', outcome: 'acked', result: 'duplicate' },
        { key: 'a4', outcome: 'retry', notBefore: 0 },
      ],
    });
    await check(T0, 'settling');
    claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: [{ key: claim.items[0]!.key, outcome: 'dead', code: 'HTTP_GONE', source: 'request' }],
    });
    await check(T0, 'a request-level dead letter');
    await store.rewind({ partition: 'till-1', fromSeq: 1, now: T0 });
    await check(T0, 'a rewind');
    claim = await claimAll(store, T0);
    await store.settle({
      leaseId: claim.leaseId,
      now: T0,
      settlements: claim.items.map((i) => ({ key: i.key, outcome: 'acked' as const, result: 'applied' as const })),
    });
    await check(T0, 'acknowledging everything');
    await store.retryDeadLetters({ keys: 'all', now: T0 });
    await check(T0, 'retrying dead letters');
    await store.pruneAcked({ before: T0 + 1, limit: 3 });
    await check(T0, 'pruning');
    await store.rebasePartition({ partition: 'till-1', nextSeq: 900, now: T0 });
    await check(T0, 'a rebase');
    await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 10, maxBytes: 1_000_000 });
    await check(T0 + LEASE, 'leases running out');
  }),

  contractCase('pruneAcked: only acknowledged items older than the cut, within the limit', async (store) => {
    await store.commit({ items: [sale('a1'), sale('a2'), sale('a3'), sale('a4')], now: T0 });
    const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 3, maxBytes: 1_000_000 });
    await store.settle({
      leaseId: claim.leaseId,
      now: T0 + 10,
      settlements: [
        { key: 'a1', outcome: 'acked', result: 'applied' },
        { key: 'a2', outcome: 'acked', result: 'applied' },
        { key: 'a3', outcome: 'dead', code: 'R', source: 'item' },
      ],
    });
    equal(await store.pruneAcked({ before: T0 + 10, limit: 10 }), 0, 'acked at the cut are kept');
    equal(await store.pruneAcked({ before: T0 + 11, limit: 1 }), 1, 'the limit holds');
    equal(await store.pruneAcked({ before: T0 + 11, limit: 10 }), 1, 'the rest');
    equal(keys(await store.listItems({ state: 'all' })), ['a3', 'a4'], 'dead and pending are never pruned');
    equal((await store.listPartitions())[0]?.prunedThrough, 2, 'prunedThrough');
  }),

  contractCase('records: put, insert, delete, read and list in key order', async (store) => {
    await store.commit({
      records: [
        { collection: 'catalog', key: 'b', value: { price: 200 } },
        { collection: 'catalog', key: 'a', value: { price: 100 } },
        { collection: 'catalog', key: 'c', value: { price: 300 } },
        { collection: 'other', key: 'a', value: 'x' },
      ],
      now: T0,
    });
    await store.commit({
      records: [
        { collection: 'catalog', key: 'b', value: { price: 250 } },
        { collection: 'catalog', key: 'c', mode: 'delete' },
      ],
      now: T0 + 1,
    });
    equal(
      (await store.listRecords('catalog')).map((r) => [r.key, r.value, r.updatedAt]),
      [
        ['a', { price: 100 }, T0],
        ['b', { price: 250 }, T0 + 1],
      ],
      'catalog',
    );
    equal(
      (await store.listRecords('catalog', { afterKey: 'a', limit: 5 })).map((r) => r.key),
      ['b'],
      'after a key',
    );
    equal(
      (await store.listRecords('catalog', { limit: 1 })).map((r) => r.key),
      ['a'],
      'limit',
    );
    equal(await store.getRecord('catalog', 'c'), undefined, 'deleted');
    equal(await store.getRecord('nothing', 'here'), undefined, 'missing');
    await store.commit({ records: [{ collection: 'catalog', key: 'zz', mode: 'delete' }], now: T0 + 2 });
    await rejects(
      () => store.commit({ records: [{ collection: 'catalog', key: 'a', value: 1, mode: 'insert' }], now: T0 + 3 }),
      'RECORD_CONFLICT',
      'insert over a key',
    );
  }),

  contractCase('leases: one holder at a time, renewal, expiry, steal and release', async (store) => {
    const first = await store.acquireLease({ name: 'flusher', owner: 'a', ttlMs: 1000, now: T0, meta: { pid: 1 } });
    equal([first.acquired, first.owner, first.expiresAt, first.meta], [true, 'a', T0 + 1000, { pid: 1 }], 'a holds it');
    const refused = await store.acquireLease({ name: 'flusher', owner: 'b', ttlMs: 1000, now: T0 + 500 });
    equal([refused.acquired, refused.owner], [false, 'a'], 'b is refused while a holds it');
    const renewed = await store.acquireLease({ name: 'flusher', owner: 'a', ttlMs: 1000, now: T0 + 900, meta: { pid: 1 } });
    equal([renewed.acquired, renewed.expiresAt], [true, T0 + 1900], 'a renews');
    const stolen = await store.acquireLease({
      name: 'flusher',
      owner: 'b',
      ttlMs: 1000,
      now: T0 + 1000,
      canSteal: (h) => h.meta.pid === 1,
    });
    equal([stolen.acquired, stolen.owner], [true, 'b'], 'b steals from a gone holder');
    const other = await store.acquireLease({ name: 'other', owner: 'c', ttlMs: 1000, now: T0 });
    equal(other.acquired, true, 'names are independent');
    const expired = await store.acquireLease({ name: 'flusher', owner: 'a', ttlMs: 1000, now: T0 + 2000 });
    equal(expired.acquired, true, 'an expired lease is free');
    await store.releaseLease({ name: 'flusher', owner: 'b' });
    equal(
      (await store.acquireLease({ name: 'flusher', owner: 'c', ttlMs: 1000, now: T0 + 2001 })).acquired,
      false,
      'only the holder releases',
    );
    await store.acquireLease({ name: 'jump', owner: 'x', ttlMs: 1000, now: T0 + 10_000 });
    const jumped = await store.acquireLease({ name: 'jump', owner: 'y', ttlMs: 1000, now: T0 });
    equal([jumped.acquired, jumped.owner], [true, 'y'], 'a lease renewed later than now (the clock went back) does not hold');
    await store.releaseLease({ name: 'flusher', owner: 'a' });
    equal((await store.acquireLease({ name: 'flusher', owner: 'c', ttlMs: 1000, now: T0 + 2002 })).acquired, true, 'released');
  }),

  {
    name: 'durability: what was committed is there after the store is closed and opened again',
    async run(context) {
      const store = await context.create();
      const { storeId } = await store.info();
      await store.commit({
        items: [sale('a1'), sale('a2')],
        records: [{ collection: 'journal', key: '1', value: { n: 1 } }],
        now: T0,
      });
      const claim = await store.claim({ owner: 'f', now: T0, leaseMs: LEASE, maxItems: 1, maxBytes: 1_000_000 });
      await store.settle({
        leaseId: claim.leaseId,
        now: T0,
        settlements: [{ key: 'a1', outcome: 'dead', code: 'R', source: 'item' }],
      });
      await store.close();
      await rejects(() => store.stats(T0), 'STORE_CLOSED', 'a closed store');
      const reopened = await context.connect(store);
      try {
        equal((await reopened.info()).storeId, storeId, 'same store id');
        equal(
          (await reopened.listItems({ state: 'all' })).map((i) => [i.key, i.state, i.seq]),
          [
            ['a1', 'dead', 1],
            ['a2', 'pending', 2],
          ],
          'items',
        );
        equal((await reopened.getRecord('journal', '1'))?.value, { n: 1 }, 'records');
        const [a3] = await reopened.commit({ items: [sale('a3')], now: T0 + 1 });
        equal(a3?.seq, 3, 'the sequence continues');
      } finally {
        await reopened.close();
      }
    },
  },

  {
    name: 'concurrency: two connections commit to one partition at once without gaps or doubles',
    async run(context) {
      const one = await context.create();
      const two = await context.connect(one);
      try {
        const writes: Promise<OutboxItem[]>[] = [];
        for (let i = 0; i < 40; i++) {
          writes.push((i % 2 === 0 ? one : two).commit({ items: [sale(`k${i}`)], now: T0 + i }));
        }
        const stored = (await Promise.all(writes)).flat();
        equal(
          stored.map((i) => i.seq).sort((a, b) => (a ?? 0) - (b ?? 0)),
          Array.from({ length: 40 }, (_, i) => i + 1),
          'gapless, no doubles',
        );
        equal((await two.stats(T0 + 100)).pending, 40, 'both see all');
        const claimOne = one.claim({ owner: 'one', now: T0 + 100, leaseMs: LEASE, maxItems: 100, maxBytes: 1_000_000 });
        const claimTwo = two.claim({ owner: 'two', now: T0 + 100, leaseMs: LEASE, maxItems: 100, maxBytes: 1_000_000 });
        const [c1, c2] = await Promise.all([claimOne, claimTwo]);
        equal(c1.items.length + c2.items.length, 40, 'every item claimed once');
        ok(c1.items.length === 0 || c2.items.length === 0, 'one partition is leased by one flusher only');
      } finally {
        await one.close();
        await two.close();
      }
    },
  },
];
