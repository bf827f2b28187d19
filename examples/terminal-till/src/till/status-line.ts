/**
 * The status line: printer, drawer, network/endpoint, queue depth and sync lag, always, with
 * warnings in colour (ANSI; plain when colour is off). While the till catches up after an outage it
 * shows a progress bar. Pure: a snapshot in, a string out.
 */
import type { DeviceHealth } from '@tillkit/devices';
import type { SyncStatus } from '@tillkit/sync-client';

export interface StatusSnapshot {
  devices: ReadonlyMap<string, DeviceHealth>;
  sync: SyncStatus | undefined;
  /** the first configured endpoint: any other one means the till failed over */
  primaryEndpoint: string | undefined;
}

const ANSI = {
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  green: '\u001b[32m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
};
type Tone = 'ok' | 'warn' | 'bad';

/** Removes ANSI colour codes (for logs and the text screenshot). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** A progress bar of `width` cells for `percent` (0-100). */
export function progressBar(percent: number, width = 20): string {
  const p = Math.max(0, Math.min(100, percent));
  const full = Math.round((p / 100) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.round(p)}%`;
}

function seconds(ms: number | undefined): string {
  if (ms === undefined) return '0s';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
}

function printerPart(h: DeviceHealth | undefined, label: string): [string, Tone] {
  if (h === undefined) return [`${label} -`, 'warn'];
  const warnings = h.warnings.map((w) => w.code);
  const text = `${label} ${h.state}${warnings.length > 0 ? ` (${warnings.join(', ')})` : ''}`;
  if (h.state === 'online' && warnings.length === 0) return [text, 'ok'];
  if (h.state === 'online' || h.state === 'paper-low' || h.state === 'connecting') return [text, 'warn'];
  return [text, 'bad'];
}

/** One line; `color` false gives plain text (NO_COLOR, pipes). */
export function renderStatusLine(s: StatusSnapshot, options: { color: boolean; now?: number }): string {
  const paint = (text: string, tone: Tone): string => {
    if (!options.color) return tone === 'ok' ? text : tone === 'warn' ? `${text}!` : `${text}!!`;
    return `${tone === 'ok' ? ANSI.green : tone === 'warn' ? ANSI.yellow : ANSI.red}${text}${ANSI.reset}`;
  };
  const parts: string[] = [];
  const [printer, pTone] = printerPart(s.devices.get('printer'), 'printer');
  parts.push(paint(printer, pTone));
  const backup = s.devices.get('backup-printer');
  if (backup !== undefined) parts.push(paint(...printerPart(backup, 'backup')));
  const drawer = s.devices.get('drawer');
  const drawerOpen =
    drawer?.state === 'drawer-open' || (drawer?.warnings.some((w) => w.code === 'drawer-open-too-long') ?? false);
  parts.push(
    drawer === undefined || drawer.state === 'connecting'
      ? paint('drawer ?', 'warn')
      : drawerOpen
        ? paint(`drawer OPEN${drawer.warnings.some((w) => w.code === 'drawer-open-too-long') ? ' too long' : ''}`, 'bad')
        : drawer.state === 'online'
          ? paint('drawer closed', 'ok')
          : paint(`drawer ${drawer.state}`, 'warn'),
  );
  const sync = s.sync;
  if (sync === undefined) {
    parts.push(paint('net ?', 'warn'));
  } else {
    const failedOver = sync.endpoint !== undefined && s.primaryEndpoint !== undefined && sync.endpoint !== s.primaryEndpoint;
    const net =
      sync.connectivity === 'offline'
        ? paint(`net OFFLINE${sync.endpoint ? ` (${sync.endpoint})` : ''}`, 'bad')
        : failedOver
          ? paint(`net FAILING OVER -> ${sync.endpoint}`, 'warn')
          : sync.connectivity === 'degraded'
            ? paint(`net degraded ${sync.endpoint ?? ''}`.trim(), 'warn')
            : paint(`net online ${sync.endpoint ?? ''}`.trim(), 'ok');
    parts.push(net);
    const queued = sync.pending + sync.inFlight;
    parts.push(paint(`queue ${queued}`, queued === 0 ? 'ok' : sync.connectivity === 'offline' ? 'warn' : 'ok'));
    const lag = sync.lagMs ?? 0;
    parts.push(paint(`lag ${seconds(sync.lagMs)}`, lag > 60_000 ? 'bad' : lag > 5000 ? 'warn' : 'ok'));
    if (sync.deadLetters > 0) parts.push(paint(`DEAD LETTERS ${sync.deadLetters}`, 'bad'));
    if (sync.catchingUp !== undefined) {
      parts.push(
        paint(`catching up ${progressBar(sync.catchingUp.percent)} ${sync.catchingUp.sent}/${sync.catchingUp.total}`, 'warn'),
      );
    }
  }
  const scale = s.devices.get('scale');
  if (scale !== undefined && scale.state !== 'online') parts.push(paint(`scale ${scale.state}`, 'warn'));
  return parts.join(options.color ? ' | ' : ' | ');
}
