import { TillkitError } from '@tillkit/core';
import { SyncErrorCode } from '@tillkit/sync-client';
import { describe, expect, it } from 'vitest';
import { withCleanup } from './cleanup';
import { TENANT, until } from './harness';
import { TillFixture } from './till-fixture';

const { cloud, till, folder } = withCleanup();

describe('restore', () => {
  it('a wiped till restores from the server and continues the journal without a gap or a collision', async () => {
    const { url, admin } = await cloud();
    const old = await till(folder(), { baseUrl: url, deviceId: 'till-a' });
    await old.client.enrol(await admin.enrolmentCode());
    await old.client.start();
    const fixture = new TillFixture(TENANT.registerId);
    for (const event of [fixture.openSession(), fixture.sale(350), fixture.sale(420), fixture.sale(990)])
      await old.client.recordEvent(event);
    await until('4 events on the server', async () => ((await admin.events()).length === 4 ? true : undefined));
    await old.close();

    // the same device, its storage wiped: enrolled again for the register, restored, selling on
    const fresh = await till(folder(), { baseUrl: url, deviceId: 'till-a' });
    await fresh.client.enrol(await admin.enrolmentCode());
    const restored = await fresh.client.restore();
    expect(restored).toMatchObject({ partition: TENANT.registerId, lastSeq: 4, rebased: true });
    expect(restored.till).toEqual(JSON.parse(JSON.stringify(fixture.till)));
    expect(restored.journalTail.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);

    await fresh.client.start();
    const goOn = TillFixture.from(restored.till);
    const fifth = await fresh.client.recordEvent(goOn.sale(275));
    expect(fifth.seq).toBe(5);
    await fresh.client.recordEvent(goOn.sale(180));
    await until('6 events on the server', async () => ((await admin.events()).length === 6 ? true : undefined));

    const journal = await admin.journal();
    expect(journal.verification.ok).toBe(true);
    expect(journal.entries.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(journal.entries.at(-1)?.hash).toBe(goOn.till.journal.hash);
    // receipt numbers go on too: three sales before the wipe, two after
    expect([restored.till.lastReceiptNumber, goOn.till.lastReceiptNumber]).toEqual([3, 5]);
    const events = await admin.events();
    expect(new Set(events.map((e) => e.key)).size).toBe(6);
    expect(await fresh.client.outbox.deadLetters.list()).toEqual([]);
  });

  it('refuses to restore over sales the server does not have, and keeps them', async () => {
    const { url, admin } = await cloud();
    const old = await till(folder(), { baseUrl: url, deviceId: 'till-a' });
    await old.client.enrol(await admin.enrolmentCode());
    await old.client.start();
    const fixture = new TillFixture(TENANT.registerId);
    await old.client.recordEvent(fixture.openSession());
    await until('the opening on the server', async () => ((await admin.events()).length === 1 ? true : undefined));
    await old.close();

    // a replacement till that rang sales on a fresh journal before anyone restored it
    const replacement = await till(folder(), { baseUrl: url, deviceId: 'till-b' });
    await replacement.client.enrol(await admin.enrolmentCode());
    const offline = new TillFixture(TENANT.registerId);
    await replacement.client.recordEvent(offline.openSession());
    await replacement.client.recordEvent(offline.sale(500));

    const error = await replacement.client.restore().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(TillkitError.hasCode(error, SyncErrorCode.RESTORE_REFUSED)).toBe(true);
    expect((error as Error).message).toContain('that the server does not have');
    const kept = await replacement.client.outbox.items();
    expect(kept.map((i) => [i.seq, i.type])).toEqual([
      [1, 'session_opening'],
      [2, 'sale'],
    ]);
    expect((await admin.events()).length).toBe(1);
  });
});
