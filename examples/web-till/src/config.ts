/**
 * Where the till finds its sync server and its enrolment code. The URL wins (`?server=…&code=…`,
 * what the demo and the test open), then what this browser remembered from its last enrolment,
 * then the server the dev script configured (VITE_TILLKIT_SERVER).
 */
export interface TillConfig {
  server: string | undefined;
  code: string | undefined;
}

const SERVER_KEY = 'web-till.server';
const DEVICE_KEY = 'web-till.device';

function nonEmpty(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

export function readConfig(location: Location, storage: Storage, fallbackServer: string | undefined): TillConfig {
  const params = new URLSearchParams(location.search);
  return {
    server: nonEmpty(params.get('server')) ?? nonEmpty(storage.getItem(SERVER_KEY)) ?? nonEmpty(fallbackServer),
    code: nonEmpty(params.get('code')),
  };
}

/** Remembers the server after enrolment, so a reload (or a bookmark without parameters) finds it. */
export function rememberServer(storage: Storage, server: string): void {
  storage.setItem(SERVER_KEY, server);
}

/** Drops the one-time code from the address bar: it is used up, and must not land in bookmarks. */
export function forgetCodeInUrl(location: Location, history: History): void {
  const url = new URL(location.href);
  if (!url.searchParams.has('code')) return;
  url.searchParams.delete('code');
  history.replaceState(history.state, '', url);
}

/** A stable id of this browser profile as a device (not a secret: the credentials are). */
export function deviceId(storage: Storage): string {
  let id = storage.getItem(DEVICE_KEY);
  if (id === null) {
    id = `web-till-${crypto.randomUUID()}`;
    storage.setItem(DEVICE_KEY, id);
  }
  return id;
}
