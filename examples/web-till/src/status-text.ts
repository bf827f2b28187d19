import type { SyncStatus } from '@tillkit/sync-client';

function clock(at: number | undefined): string {
  return at === undefined ? 'never' : new Date(at).toLocaleTimeString('en-GB');
}

/** The status bar's words for one status of the sync client. */
export function describeStatus(status: SyncStatus): { light: string; pending: number; text: string } {
  const pending = status.pending + status.inFlight;
  const parts = [`${pending} pending`];
  if (status.catchingUp !== undefined) {
    parts.push(`catching up ${status.catchingUp.sent} of ${status.catchingUp.total} (${status.catchingUp.percent} %)`);
  }
  if (status.deadLetters > 0) parts.push(`${status.deadLetters} refused by the server`);
  parts.push(`last push ${clock(status.lastPushAt)}`, `last pull ${clock(status.lastPullAt)}`);
  if (status.reasons.length > 0) parts.push(status.reasons.join('; '));
  return { light: status.connectivity, pending, text: parts.join(' · ') };
}
