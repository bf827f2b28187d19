// @tillkit/devices/testing: emulators and simulators for tests and demos. Not for production tills.
export { startEscPosEmulator } from './escpos-emulator';
export type {
  EscPosEmulator,
  EscPosEmulatorOptions,
  EscPosEmulatorState,
  DropConnectionOptions,
  PaperState,
  EmulatedCommand,
} from './escpos-emulator';
export { CUT_LINE } from './escpos-text';
export { createScaleSimulator } from './simulators/scale-simulator';
export type { ScaleSimulator, ScaleSimulatorOptions } from './simulators/scale-simulator';
export { createDisplaySimulator } from './simulators/display-simulator';
export type { DisplaySimulator, DisplaySimulatorOptions } from './simulators/display-simulator';
export { createKeyboardWedgeSimulator, createSerialScannerSimulator } from './simulators/scanner-simulator';
export type {
  KeyboardWedgeSimulator,
  KeyboardWedgeSimulatorOptions,
  KeyboardLayout,
  SerialScannerSimulator,
  SerialScannerSimulatorOptions,
} from './simulators/scanner-simulator';
export { createStreamPair, createSocketPair } from './simulators/stream-pair';
export type { SocketPair } from './simulators/stream-pair';
export type { SimulatorConnections } from './simulators/simulator-link';
