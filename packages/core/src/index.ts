// @tillkit/core public API. Named exports only; everything not listed here is internal.

// Errors
export {
  ErrorCode,
  TillkitError,
  ValidationError,
  MoneyError,
  StateError,
  DeviceError,
  NetworkError,
  StorageError,
} from './errors';
export type { TillkitErrorOptions } from './errors';
export { parseInput, validationError } from './validate';

// Money
export { RoundingMode, ROUNDING_MODES } from './rounding';
export { parseDecimal, formatDecimal } from './decimal';
export type { ScaledDecimal, DecimalInput } from './decimal';
export { CURRENCY_CODES, currencyExponent, isCurrencyCode, cashRoundingRule } from './currency';
export type { CashRoundingRule } from './currency';
export {
  money,
  zero,
  moneyFromDecimal,
  toDecimalString,
  add,
  subtract,
  sum,
  negate,
  abs,
  multiply,
  percentage,
  allocate,
  compare,
  equals,
  isZero,
  isNegative,
  formatMoney,
  MoneySchema,
  CurrencyCodeSchema,
  MinorUnitsSchema,
  RoundingModeSchema,
} from './money';
export type { Money, FormatMoneyOptions } from './money';
export { allocateInteger } from './allocate';

// Pricing and taxes
export { priceSale, priceSaleTrusted } from './pricing';
export {
  PricingInputSchema,
  LineInputSchema,
  DiscountSchema,
  ServiceChargeSchema,
  TaxRateSchema,
  ModifierSchema,
  DecimalInputSchema,
} from './pricing-schema';
export type {
  PricingInput,
  PricedSale,
  PricedLine,
  PricedServiceCharge,
  LineTax,
  AppliedDiscount,
  TaxBucket,
  LineInput,
  DiscountInput,
  ModifierInput,
  ServiceChargeInput,
  TaxRateInput,
} from './pricing-schema';
export { DEFAULT_TAX_POLICY, TaxPolicySchema, TaxLevel, InclusiveRoundFirst } from './tax-policy';
export type { TaxPolicy } from './tax-policy';

// Tenders and the transaction lifecycle
export { DEFAULT_TENDER_TYPES, TenderTypeSchema, findTenderType, roundCash, settle, amountToSettle } from './tenders';
export type { Settlement } from './tenders';
export {
  openSale,
  addLine,
  voidLine,
  addOrderDiscount,
  addServiceCharge,
  startTendering,
  reopenSale,
  addTender,
  voidTender,
  completeSale,
  voidSale,
  getPricing,
  getSettlement,
} from './sale';
export type { OpenSaleInput, TenderInput, Completion } from './sale';
export { openReturn } from './returns';
export type { OpenReturnInput } from './returns';
export type {
  Transaction,
  DraftTransaction,
  CompletedTransaction,
  VoidedTransaction,
  Tender,
  TenderKind,
  TenderType,
  SaleEvent,
  ReturnReference,
  ReturnLineLink,
} from './transaction';
export { uuidv7, isUuidV7 } from './uuid';
export { systemClock, ClockSchema } from './clock';
export type { Clock } from './clock';
export type { UuidV7Options } from './uuid';

// Till, journal, sessions and reports
export { createTill, recordJournalEntry, nextReceiptNumber } from './till';
export type { TillState, SessionInfo } from './till';
export { canonicalize } from './canonical';
export type { CanonicalValue } from './canonical';
export {
  GENESIS_HASH,
  JOURNAL_ENTRY_TYPES,
  JournalEntrySchema,
  JournalEntryBodySchema,
  JournalHeadSchema,
  emptyJournalHead,
  appendJournalEntry,
  journalBodyForTransaction,
  hashJournalEntry,
  withSignature,
  verifyChain,
  movesTotals,
  isJournalEntry,
  isJournalEntryBody,
} from './journal';
export type {
  JournalEntry,
  JournalEntryBody,
  JournalEntryType,
  JournalHead,
  JournalPayment,
  JournalRateTotal,
  JournalBodyOptions,
  ChainBreakReason,
  VerifyChainResult,
} from './journal';
export { openSession, closeSession, paidIn, paidOut, noSale, countDenominations } from './session';
export type { CashCount, DenominationCount, SessionStep } from './session';
export { buildReport } from './report';
export { recordReprint } from './reprint';
export type { SessionReport, XReport, ZReport, ReportOptions, ReportRateTotal, ReportPayment } from './report';

// Receipt documents
export { displayWidth, codePointWidth, padToWidth, truncateToWidth, wrapToWidth } from './display-width';
export type { TextAlign } from './display-width';
export {
  buildReceipt,
  buildTextDocument,
  ReceiptDocumentSchema,
  ReceiptBlockSchema,
  RECEIPT_ROLES,
  DEFAULT_RECEIPT_LABELS,
} from './receipt';
export type {
  ReceiptDocument,
  ReceiptBlock,
  ReceiptTextBlock,
  ReceiptColumnsBlock,
  ReceiptColumn,
  ReceiptRole,
  ReceiptOptions,
  ReceiptLabels,
  TextDocumentRow,
  TextDocumentOptions,
} from './receipt';
export { renderReceiptText, layoutColumns, DEFAULT_TEXT_WIDTH } from './receipt-text';
export type { RenderTextOptions } from './receipt-text';
export { buildReportDocument } from './report-document';
