// @tillkit/devices public API. Named exports only; emulators and simulators are under ./testing.

// Health, transports and profiles
export { systemClock } from './health';
export type { DeviceHealth, DeviceState, DeviceWarning, DeviceKind, WarningCode, HealthSource, Clock } from './health';
export type { ByteTransport } from './transport';
export { PRINTER_PROFILES, PrinterProfileSchema } from './profiles';
export type { PrinterProfile, PrinterProfileId, Charset } from './profiles';
export { createStreamTransport } from './stream-transport';
export type { StreamTransport, StreamTransportOptions } from './stream-transport';
export { createDeviceManager } from './device-manager';
export type { DeviceManager, DeviceManagerOptions, DeviceEvent, WarningEvent } from './device-manager';

// Receipt printers
export { createNetworkPrinter } from './printer/network-printer';
export type {
  NetworkPrinterOptions,
  NetworkPrinterTimeouts,
  NetworkPrinterReconnect,
  RenderReceipt,
} from './printer/network-printer';
export type { ReceiptPrinter, PrintOptions, DrawerSensor, PrinterIdentity } from './printer/receipt-printer';
export type { PrintJob, PrintJobState, FinalPrintJobState, PrintJobKind } from './printer/job-queue';
export type { PrinterStatus } from './printer/printer-status';
export { StatusStreamParser } from './printer/status-parser';
export type { PrinterReply } from './printer/status-parser';
export { markAsCopy } from './printer/mark-as-copy';
export { renderReceipt } from './render/receipt-renderer';
export type { RenderOptions } from './render/receipt-renderer';
export { ditherImage, rasterCommands } from './render/image';
export type { RasterImage, MonochromeBitmap, DitherOptions } from './render/image';
export { commands } from './render/commands';
export type { KanjiCodeSystem } from './render/commands';

// Cash drawer
export { createDrawerMonitor } from './drawer';
export type { DrawerMonitor, DrawerMonitorOptions, DrawerSensorSample, DrawerOpened, DrawerClosed } from './drawer';

// Barcode scanners
export { createKeyboardWedgeDecoder, US_KEYBOARD } from './scanner/keyboard-wedge';
export type { KeyboardWedgeDecoder, KeyboardWedgeOptions, WedgeKeyEvent } from './scanner/keyboard-wedge';
export { createStreamScanner } from './scanner/stream-scanner';
export type { StreamScanner, StreamScannerOptions } from './scanner/stream-scanner';
export { buildScanResult, symbologyFromAimId } from './scanner/scan-result';
export type { ScanResult, Symbology, BuildScanOptions } from './scanner/scan-result';
export {
  checkGtin,
  checkEan13,
  checkEan8,
  checkUpcA,
  expandUpcE,
  parseGtin,
  gs1CheckDigit,
  hasValidCheckDigit,
} from './scanner/barcode';
export type { GtinCheck, GtinKind, GtinProblem } from './scanner/barcode';
export { parseGs1, GS as GS1_SEPARATOR } from './scanner/gs1';
export type { Gs1Element, Gs1ElementString, Gs1Value, ParseGs1Options } from './scanner/gs1';

// Customer display
export { createCustomerDisplay } from './display/customer-display';
export type { CustomerDisplay, CustomerDisplayOptions, DisplayDialect } from './display/customer-display';
export { toDisplayText, fitDisplayLine, encodeDisplayText } from './display/display-text';
export type { DisplayCharset } from './display/display-text';

// Scale
export { createScale } from './scale/scale';
export type { Scale, ScaleOptions, ScaleProtocol, ScaleReading, StableWeight } from './scale/scale';
export { toGrams } from './scale/weight';
export type { ScaleUnit, ScaleWeight } from './scale/weight';
