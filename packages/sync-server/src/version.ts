import { version } from '../package.json';

/** How the server names itself in `GET /v1/meta`. */
export const SERVER_NAME = '@tillkit/sync-server';
/** This package's version (bundled from package.json at build time). */
export const SERVER_VERSION: string = version;
