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
    const { commit, claim } = await call('transactionDurability');
    const commitWrites = commit.filter((t) => t.mode === 'readwrite');
    expect(commitWrites).toHaveLength(1);
    expect(commitWrites[0]).toMatchObject({ durability: 'strict' });
    expect(commitWrites[0]!.stores).toEqual(expect.arrayContaining(['items', 'records', 'partitions']));
    // one connection, one durability: lease bookkeeping is strict too (see createDexieStore)
    expect(claim.filter((t) => t.mode === 'readwrite').map((t) => t.durability)).toEqual(['strict']);
  });

  it('upgrades a schema version 1 database without losing or changing a queued item', async () => {
    const result = await call('migrateFromVersion1');
    expect(result.before).toMatchObject({ version: 10, schemaVersion: 1 });
    expect(result.after.version).toBe(20);
    expect(result.info).toMatchObject({ backend: 'indexeddb', storeId: '0190f3a8-v1-store-identity', schemaVersion: 2 });
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

  it('refuses a database written by a newer schema, and leaves it as it was', async () => {
    const result = await call('openNewerDatabase');
    expect(result.nativeError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.nativeError?.message).toMatch(/update the application/i);
    expect(result.nativeAfter).toMatchObject({ version: 30, schemaVersion: 3 });
    expect(result.nativeAfter.stores).toContain('future');
    expect(result.lateError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.lateAfter).toEqual(result.nativeAfter);
    expect(result.metaError?.code).toBe('STORE_VERSION_TOO_NEW');
    expect(result.metaAfter).toMatchObject({ version: 20, schemaVersion: 3 });
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
