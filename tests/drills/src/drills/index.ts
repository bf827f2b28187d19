import type { Drill } from '../drill';
import { backupPrinter } from './backup-printer';
import { captivePortal } from './captive-portal';
import { clockJumps } from './clock-jumps';
import { connectionDrop } from './connection-drop';
import { coverOpen } from './cover-open';
import { endpointFlapping } from './endpoint-flapping';
import { paperOut } from './paper-out';
import { powerCycle } from './power-cycle';
import { primaryDead } from './primary-dead';
import { serverRejects } from './server-rejects';
import { storeWiped } from './store-wiped';
import { threeDaysOffline } from './three-days-offline';
import { tillKilled } from './till-killed';

/** Every drill, in the order they run. */
export const DRILLS: readonly Drill[] = [
  paperOut,
  coverOpen,
  connectionDrop,
  powerCycle,
  backupPrinter,
  threeDaysOffline,
  captivePortal,
  primaryDead,
  endpointFlapping,
  tillKilled,
  storeWiped,
  serverRejects,
  clockJumps,
];
