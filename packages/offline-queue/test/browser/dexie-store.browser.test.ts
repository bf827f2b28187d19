import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { storeContractCases } from '../../src/testing/store-contract';
import type { DexiePageApi } from './dexie-entry';
import { callPage, useBrowserHarness } from './harness';

// The Dexie store in real headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH): every
// case of the shared store contract, then what only IndexedDB has (durability, schema upgrades,
// connections the platform closes, several tabs, quota).

const browser = useBrowserHarness({ entryFile: fileURLToPath(new URL('./dexie-entry.ts', import.meta.url)) });

function call<K extends keyof DexiePageApi>(name: K, ...args: Parameters<DexiePageApi[K]>) {
  return callPage<DexiePageApi, K>(browser.page(), name, ...args);
}

describe('Dexie store in Chromium: the shared store contract', () => {
  for (const contractCase of storeContractCases) {
    it(contractCase.name, async () => {
      await call('runContractCase', contractCase.name);
    });
  }
});

describe('Dexie store in Chromium: IndexedDB specifics', () => {
  it('commits sales with strict durability', async () => {
    const { commit, replay, replayed, claim } = await call('transactionDurability');
    const commitWrites = commit.filter((t) => t.mode === 'readwrite');
    expect(commitWrites).toHaveLength(1);
    expect(commitWrites[0]).toMatchObject({ durability: 'strict' });
    expect(commitWrites[0]!.stores).toEqual(expect.arrayContaining(['items', 'records', 'partitions']));
    // a replay: the first transaction's `add` fails and aborts it, a checked one returns the stored item
    expect(replayed).toEqual([['d1', 'pending', 1]]);
    expect(replay.filter((t) => t.mode === 'readwrite').map((t) => t.durability)).toEqual(['strict', 'strict']);
    // one connection, one durability: lease bookkeeping is strict too (see createDexieStore)
    expect(claim.filter((t) => t.mode === 'readwrite').map((t) => t.durability)).toEqual(['strict']);
  });

  it('rebuilds a missing order counter from the index, so enqueue order continues', async () => {
    const result = await call('orderCounterMissing');
    expect(result.counted).toEqual({ id: 'order', last: 2 });
    expect(result.o3).toBe(2);
    expect(result.orders).toEqual([
      ['o1', 1],
      ['o2', 2],
      ['o3', 3],
      ['o4', 4],
    ]);
    expect(result.restored).toEqual({ id: 'order', last: 4 });
    expect(result.listed).toEqual(['o1', 'o2', 'o3', 'o4']);
  });

  it('keeps the totals exact while one connection commits and another claims and settles', async () => {
    const result = await call('totalsAcrossConnections', 60);
    expect(result.midway.stats).toEqual(result.midway.expected);
    expect(result.midway.stats).toMatchObject({ pending: 0, inFlight: 0, acked: 40, dead: 20 });
    expect(result.end.stats).toEqual(result.end.expected);
    expect(result.end.stats).toMatchObject({ pending: 20, inFlight: 0, acked: 40, dead: 0 });
    // the acknowledged items keep 1..60 but every third; the retried dead letters went on from 61
    const acked = Array.from({ length: 60 }, (_, i) => i + 1).filter((seq) => seq % 3 !== 0);
    expect(result.seqs).toEqual([...acked, ...Array.from({ length: 20 }, (_, i) => 61 + i)]);
  });

  it('upgrades a schema version 1 database without losing or changing a queued item', async () => {
    const result = await call('migrateFromVersion1');
    expect(result.before).toMatchObject({ version: 10, schemaVersion: 1 });
    expect(result.after.version).toBe(30);
    expect(result.info).toMatchObject({ backend: 'indexeddb', storeId: '0190f3a8-v1-store-identity', schemaVersion: 3 });
    expect(result.items).toEqual([
      ['acked-1', 'acked', 1],
      ['in-flight-2', 'in-flight', 2],
      ['too-large', 'dead', null],
      ['pending-3', 'pending', 3],
      ['pending-4', 'pending', 4],
    ]);
    const T = Date.UTC(2026, 0, 5, 12, 0, 0);
    expect(result.full.map((i) => [i.key, i.payload, i.attempts, i.lease, i.ack, i.dead])).toEqual([
      ['acked-1', { key: 'acked-1' }, 1, undefined, { at: T + 10, result: 'applied', endpointId: 'primary' }, undefined],
      [
        'in-flight-2',
        { key: 'in-flight-2' },
        1,
        { id: 'lease-old', owner: 'old-tab', until: T + 20 + 30_000 },
        undefined,
        undefined,
      ],
      [
        'too-large',
        { key: 'too-large' },
        1,
        undefined,
        undefined,
        { at: T + 15, code: 'HTTP_PAYLOAD_TOO_LARGE', source: 'request', seq: 3 },
      ],
      ['pending-3', { key: 'pending-3' }, 0, undefined, undefined, undefined],
      ['pending-4', { key: 'pending-4' }, 0, undefined, undefined, undefined],
    ]);
    expect(result.stats).toEqual({
      pending: 2,
      inFlight: 1,
      acked: 1,
      dead: 1,
      oldestOpenAt: result.openCreatedAt,
      openBytes: result.openBytes,
      blockedPartitions: 0,
    });
    expect(result.record?.value).toEqual({ hash: 'ab' });
    // the prune index of version 2 was filled in for items acked under version 1
    expect(result.pruned).toBe(1);
    expect(result.partitions).toEqual([{ partition: 'till-1', nextSeq: 5, prunedThrough: 1, blocked: undefined }]);
    expect(result.next).toBe(5);
    // the old tab's lease ran out: its item goes again, in order
    expect(result.claimed).toEqual([
      ['in-flight-2', 'in-flight', 2],
      ['pending-3', 'in-flight', 3],
      ['pending-4', 'in-flight', 4],
      ['after-upgrade', 'in-flight', 5],
    ]);
  });

  it('upgrades a schema version 2 database: items in every state, sparse indexes, totals counted', async () => {
    const result = await call('migrateFromVersion2');
    const T = Date.UTC(2026, 0, 5, 12, 0, 0);
    expect(result.before).toMatchObject({ version: 20, schemaVersion: 2 });
    expect(result.after.version).toBe(30);
    expect(result.info).toMatchObject({ storeId: '0190f3a8-v2-store-identity', createdAt: T - 60_000, schemaVersion: 3 });
    // every item as it was, in enqueue order
    expect(result.items).toEqual([
      ['a-acked-1', 'acked', 1],
      ['a-dead-2', 'dead', 2],
      ['b-too-large', 'dead', null],
      ['a-in-flight-3', 'in-flight', 3],
      ['a-pending-4', 'pending', 4],
      ['b-pending-1', 'pending', 1],
      ['a-pending-5', 'pending', 5],
      ['b-pending-2', 'pending', 2],
      ['c-pending-1', 'pending', 1],
      ['d-pending-1', 'pending', 1],
    ]);
    expect(
      result.full.map((i) => [
        i.key,
        i.partition,
        i.payload,
        i.createdAt - T,
        i.attempts,
        i.notBefore,
        i.lease,
        i.ack,
        i.dead,
        i.lastError,
      ]),
    ).toEqual([
      [
        'a-acked-1',
        'till-1',
        { key: 'a-acked-1', lines: ['é'] },
        1,
        1,
        0,
        undefined,
        { at: T + 10, result: 'applied', endpointId: 'primary' },
        undefined,
        undefined,
      ],
      [
        'a-dead-2',
        'till-1',
        { key: 'a-dead-2', lines: ['é'] },
        2,
        1,
        0,
        undefined,
        undefined,
        { at: T + 12, code: 'REJECTED', message: 'price', source: 'item', seq: 2 },
        'REJECTED',
      ],
      [
        'b-too-large',
        'till-2',
        { key: 'b-too-large', lines: ['é'] },
        3,
        1,
        0,
        undefined,
        undefined,
        { at: T + 15, code: 'HTTP_PAYLOAD_TOO_LARGE', source: 'request', seq: 1 },
        'HTTP_PAYLOAD_TOO_LARGE',
      ],
      [
        'a-in-flight-3',
        'till-1',
        { key: 'a-in-flight-3', lines: ['é'] },
        4,
        1,
        0,
        { id: 'lease-live', owner: 'other-tab', until: T + 20 + 30_000 },
        undefined,
        undefined,
        undefined,
      ],
      ['a-pending-4', 'till-1', { key: 'a-pending-4', lines: ['é'] }, 5, 1, T + 25, undefined, undefined, undefined, 'HTTP 503'],
      ['b-pending-1', 'till-2', { key: 'b-pending-1', lines: ['é'] }, 6, 0, 0, undefined, undefined, undefined, undefined],
      ['a-pending-5', 'till-1', { key: 'a-pending-5', lines: ['é'] }, 7, 0, 0, undefined, undefined, undefined, undefined],
      ['b-pending-2', 'till-2', { key: 'b-pending-2', lines: ['é'] }, 8, 0, 0, undefined, undefined, undefined, undefined],
      ['c-pending-1', 'till-3', { key: 'c-pending-1', lines: ['é'] }, 9, 0, 0, undefined, undefined, undefined, undefined],
      ['d-pending-1', 'till-4', { key: 'd-pending-1', lines: ['é'] }, 10, 0, 0, undefined, undefined, undefined, undefined],
    ]);
    expect(result.record?.value).toEqual({ hash: 'ab' });
    // listings read the new indexes (open items, in-flight, acked and dead ones), in enqueue order
    expect(result.byState).toEqual({
      open: ['a-in-flight-3', 'a-pending-4', 'b-pending-1', 'a-pending-5', 'b-pending-2', 'c-pending-1', 'd-pending-1'],
      pending: ['a-pending-4', 'b-pending-1', 'a-pending-5', 'b-pending-2', 'c-pending-1', 'd-pending-1'],
      inFlight: ['a-in-flight-3'],
      acked: ['a-acked-1'],
      dead: ['a-dead-2', 'b-too-large'],
      till2: ['b-too-large', 'b-pending-1', 'b-pending-2'],
      openTill1Page: ['a-pending-4'],
    });
    // the totals were counted from the items; the partition with no row got one, after its last number
    expect(result.stats).toEqual({
      pending: 6,
      inFlight: 1,
      dead: 2,
      acked: 1,
      oldestOpenAt: T + 4,
      openBytes: 38 + 6 * 36,
      blockedPartitions: 1,
    });
    expect(result.partitions.map((p) => [p.partition, p.nextSeq, p.prunedThrough, p.blocked?.code])).toEqual([
      ['till-1', 6, 0, undefined],
      ['till-2', 3, 0, undefined],
      ['till-3', 2, 0, 'SEQUENCE_BEHIND_SERVER'],
      ['till-4', 2, 0, undefined],
    ]);
    // as stored: the index fields follow the state (an absent field keeps a row out of that index)
    expect(result.raw.indexes).toEqual(['[ackedAt+order]', '[open+partition+seq]', '[sparseState+order]', 'order']);
    const fields = (key: string) => {
      const row = result.raw.rows[key]!;
      return [row.open, row.sparseState, row.ackedAt];
    };
    expect(['a-acked-1', 'a-dead-2', 'b-too-large', 'a-in-flight-3', 'a-pending-4'].map(fields)).toEqual([
      [undefined, 'acked', T + 10],
      [undefined, 'dead', undefined],
      [undefined, 'dead', undefined],
      [1, 'in-flight', undefined],
      [1, undefined, undefined],
    ]);
    expect(result.raw.order).toEqual({ id: 'order', last: 10 });
    // working on: commit, claim (till-1 still leased, till-3 blocked), a request-level dead letter
    // giving its number back, prune, rewind, rebase and retrying dead letters
    expect(result.next).toEqual([3, 'b-new']);
    expect(result.claimed).toEqual([
      ['b-pending-1', 'in-flight', 1],
      ['b-pending-2', 'in-flight', 2],
      ['b-new', 'in-flight', 3],
      ['d-pending-1', 'in-flight', 1],
    ]);
    expect(result.settled).toEqual([
      ['b-too-large', 'dead', null],
      ['b-pending-1', 'dead', null],
      ['b-pending-2', 'acked', 1],
      ['b-new', 'acked', 2],
    ]);
    expect(result.pruned).toBe(1);
    expect(result.gap).toEqual({ ok: false, code: 'GAP_UNRECOVERABLE', prunedThrough: 1, rewound: 0 });
    expect(result.rewound).toEqual({ ok: true, rewound: 2 });
    expect(result.refusedRebase).toBe('VALIDATION_FAILED');
    expect(result.retried).toBe(2);
    expect(result.final).toEqual([
      ['a-dead-2', 'pending', 2],
      ['b-too-large', 'pending', 3],
      ['a-in-flight-3', 'pending', 3],
      ['a-pending-4', 'pending', 4],
      ['b-pending-1', 'pending', 4],
      ['a-pending-5', 'pending', 5],
      ['b-pending-2', 'acked', 1],
      ['c-pending-1', 'pending', 40],
      ['d-pending-1', 'acked', 1],
      ['b-new', 'acked', 2],
    ]);
    expect(result.finalPartitions).toEqual([
      ['till-1', 6, 1, 'GAP_UNRECOVERABLE'],
      ['till-2', 5, 0, undefined],
      ['till-3', 41, 0, undefined],
      ['till-4', 2, 0, undefined],
    ]);
    // after every step, stats() agreed with what the items say
    expect(result.mismatches).toEqual([]);
  });

  it('refuses a database written by a newer schema, and leaves it as it was', async () => {
    const result = await call('openNewerDatabase');
    const newer = result.current + 1;
    expect(result.nativeError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.nativeError?.message).toMatch(/update the application/i);
    expect(result.nativeAfter).toMatchObject({ version: newer * 10, schemaVersion: newer });
    expect(result.nativeAfter.stores).toContain('future');
    expect(result.lateError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.lateAfter).toEqual(result.nativeAfter);
    expect(result.metaError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.metaAfter).toMatchObject({ version: result.current * 10, schemaVersion: newer });
  });

  it('reopens a connection the platform closed, once per closing, and counts it', async () => {
    const result = await call('reopenAfterForcedClose');
    expect(result.before.reopened).toBe(0);
    expect(result.a2).toBe(2);
    expect(result.afterNativeClose.reopened).toBe(1);
    expect(result.claimed).toEqual(['a1', 'a2']);
    expect(result.afterDexieClose.reopened).toBe(2);
    expect(result.items).toEqual([
      ['a1', 'in-flight', 1],
      ['a2', 'in-flight', 2],
    ]);
    expect(result.closed?.code).toBe('STORE_CLOSED');
  });

  it('numbers commits from two tabs without gaps or doubles', async () => {
    const other = await browser.harness().openPage();
    try {
      const name = await call('freshName', 'two-tabs');
      const [mine, theirs] = await Promise.all([
        call('commitMany', name, 'tab-a', 30),
        callPage<DexiePageApi, 'commitMany'>(other, 'commitMany', name, 'tab-b', 30),
      ]);
      expect([...mine, ...theirs].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const listed = await call('listAll', name);
      expect(listed.map(([, , seq]) => seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    } finally {
      await other.close();
    }
  });

  it('claims from a queue of 20,000 items by partition and sequence', async () => {
    const result = await call('claimFromLargeQueue', 20_000, 20);
    expect(result.first).toEqual({ partitions: ['p-0'], seqs: Array.from({ length: 100 }, (_, i) => i + 1) });
    expect(result.second).toEqual({ partitions: ['p-1'], seqs: Array.from({ length: 100 }, (_, i) => i + 1) });
    expect(result.stats).toMatchObject({ pending: 19_800, inFlight: 200, acked: 0, dead: 0, oldestOpenAt: expect.any(Number) });
  });

  it('keeps the totals behind stats() exact through every kind of write', async () => {
    expect(await call('statsFollowEveryWrite')).toEqual([]);
  });

  it('reports the origin quota and asks for persistent storage', async () => {
    const { estimate, persisted } = await call('storageFacts');
    expect(estimate?.quota).toBeGreaterThan(0);
    expect(estimate?.usage).toBeGreaterThanOrEqual(0);
    expect(typeof persisted).toBe('boolean');
  });

  it('maps a quota refusal to STORAGE_FULL and writes nothing', async () => {
    const result = await call('commitPastBucketQuota', 256 * 1024, 1_000_000);
    expect(result.error?.code).toBe('STORAGE_FULL');
    expect(result.items).toEqual([['small', 'pending', 1]]);
    expect(result.record).toBeUndefined();
    expect(result.diagnostics.lastError).toMatch(/quota/i);
  });
});
