import { describe } from 'vitest';
import { backupPrinter } from '../src/drills/backup-printer';
import { connectionDrop } from '../src/drills/connection-drop';
import { coverOpen } from '../src/drills/cover-open';
import { paperOut } from '../src/drills/paper-out';
import { powerCycle } from '../src/drills/power-cycle';
import { drillTests } from './drills';

describe('printer drills', () => drillTests([paperOut, coverOpen, connectionDrop, powerCycle, backupPrinter]));
