import { describe } from 'vitest';
import { captivePortal } from '../src/drills/captive-portal';
import { clockJumps } from '../src/drills/clock-jumps';
import { endpointFlapping } from '../src/drills/endpoint-flapping';
import { primaryDead } from '../src/drills/primary-dead';
import { serverRejects } from '../src/drills/server-rejects';
import { storeWiped } from '../src/drills/store-wiped';
import { threeDaysOffline } from '../src/drills/three-days-offline';
import { tillKilled } from '../src/drills/till-killed';
import { drillTests } from './drills';

describe('network, process and store drills', () =>
  drillTests([
    threeDaysOffline,
    captivePortal,
    primaryDead,
    endpointFlapping,
    tillKilled,
    storeWiped,
    serverRejects,
    clockJumps,
  ]));
