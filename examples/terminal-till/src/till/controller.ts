/**
 * The till controller: cashier commands in, till state and output lines out. No terminal, no
 * timers: everything with side effects (catalog, scale, printer, drawer, durable recording) comes
 * in through `TillServices`, so the controller runs the same under a TTY, a pipe and a test.
 */
import {
  addLine,
  addOrderDiscount,
  addTender,
  buildReceipt,
  buildReport,
  cashRoundingRule,
  buildReportDocument,
  closeSession,
  completeSale,
  createTill,
  formatMoney,
  getPricing,
  getSettlement,
  money,
  moneyFromDecimal,
  noSale,
  openReturn,
  openSale,
  openSession,
  paidIn,
  paidOut,
  recordReprint,
  renderReceiptText,
  roundCash,
  TillkitError,
  type CompletedTransaction,
  type DiscountInput,
  type DraftTransaction,
  type JournalEntry,
  type LineInput,
  type ReceiptDocument,
  type TaxRateInput,
  type TillState,
} from '@tillkit/core';

export interface Article {
  id: string;
  name: string;
  unitPrice: number;
  taxId: string;
  weighed: boolean;
  unit?: string | undefined;
}

export interface MemberInfo {
  id: string;
  name: string;
  points: number;
  tier?: string | undefined;
  cardNumber?: string | undefined;
  email?: string | undefined;
}

/** What the controller needs from the outside world. */
export interface TillServices {
  readonly tillId: string;
  readonly currency: string;
  readonly locale: string;
  readonly timeZone: string;
  readonly operator: string;
  readonly header: { name: string; lines: string[] };
  /** an article by barcode or by its id, with its current price */
  findArticle(code: string): Promise<Article | undefined>;
  taxes(): Promise<TaxRateInput[]>;
  findMembers(query: string): Promise<MemberInfo[]>;
  /** a stable weight in grams from the scale */
  readWeight(): Promise<number>;
  /** durably records a journal entry (and its transaction): the sale is done once this resolves */
  record(entry: JournalEntry, till: TillState, transaction?: CompletedTransaction): Promise<void>;
  /** prints a document; resolves with a short word on how it went ('printed', 'held: paper-out', ...) */
  print(doc: ReceiptDocument): Promise<string>;
  openDrawer(): Promise<void>;
  now(): string;
}

/** What the till remembers across starts: restored from the durable store. */
export interface TillMemory {
  till: TillState;
  journal: JournalEntry[];
  transactions: CompletedTransaction[];
}

interface BasketLine {
  input: LineInput;
  article: Article;
}

export interface CommandResult {
  lines: string[];
  /** the till wants to stop (quit) */
  quit?: boolean;
}

const HELP = [
  'Selling',
  '  CODE | scan CODE      add an article by barcode or item code (a scanner burst does this)',
  '  3*CODE | qty 3        a quantity: prefix the code, or set it for the next article',
  '  (weighed articles take their weight from the scale)',
  '  disc 10% | disc 1.50  discount on the last line;  odisc 10% | odisc 5.00  on the order',
  '  void [N]              remove line N (default the last) before tendering',
  '  member QUERY          look a member up by member id, card number or e-mail (and attach it)',
  '  cash [AMOUNT] | card [AMOUNT]  tender; several tenders make a split payment',
  '  cancel                drop the basket (before any tender)',
  'After the sale',
  '  return RECEIPT [LINE[:QTY] ...] [card]  refund (default every line, in cash)',
  '  reprint [RECEIPT]     print a receipt again, marked as a COPY',
  'Cash',
  '  open FLOAT            open the session with the counted float;  close COUNTED  count and print the Z report',
  '  x                     X report (mid-shift, changes nothing)',
  '  nosale                open the drawer;  paidin AMOUNT REASON | paidout AMOUNT REASON',
  'Other',
  '  status                the till and sync status in words;  sync  wait until the cloud has everything',
  '  preview on|off        show receipts here too (default on);  help;  quit',
  'Emulated parts only',
  '  sim paper out|near-end|ok, sim drawer open|closed, sim net down|up, sim primary down|up, sim weight KG, sim price CODE AMOUNT, sim rush N',
];

export class TillController {
  private till: TillState;
  private readonly journal: JournalEntry[];
  private readonly transactions: CompletedTransaction[];
  private basket: BasketLine[] = [];
  private orderDiscounts: DiscountInput[] = [];
  private member: MemberInfo | undefined;
  private nextQuantity: number | undefined;
  private draft: DraftTransaction | undefined;
  private lineCounter = 0;
  private preview = true;

  constructor(
    private readonly services: TillServices,
    memory?: TillMemory,
  ) {
    this.till = memory?.till ?? createTill({ tillId: services.tillId, currency: services.currency });
    this.journal = [...(memory?.journal ?? [])];
    this.transactions = [...(memory?.transactions ?? [])];
  }

  /** The till state after the newest entry. */
  get state(): TillState {
    return this.till;
  }

  get entries(): readonly JournalEntry[] {
    return this.journal;
  }

  /** Whether receipts are shown in the output too. */
  get previewing(): boolean {
    return this.preview;
  }

  /** Completed sales and returns, oldest first. */
  get receipts(): readonly CompletedTransaction[] {
    return this.transactions;
  }

  /** What the prompt shows: session and basket in a few words. */
  summary(): string {
    if (this.till.session === null) return 'closed';
    if (this.basket.length === 0) return `session ${this.till.session.id}`;
    const due = this.draft === undefined ? this.price().total : getSettlement(this.draft).remaining;
    return `${this.basket.length} line${this.basket.length === 1 ? '' : 's'}, ${this.draft === undefined ? 'total' : 'to pay'} ${this.fmt(due)}`;
  }

  private fmt(amount: number): string {
    return formatMoney(money(amount, this.services.currency), this.services.locale);
  }

  private amount(text: string | undefined, what: string): number {
    if (text === undefined) throw new UserError(`Give ${what}, e.g. 12.50.`);
    try {
      return moneyFromDecimal(text, this.services.currency).amount;
    } catch {
      throw new UserError(`"${text}" is not an amount in ${this.services.currency}; type it like 12.50.`);
    }
  }

  /** Runs one command line. Never throws for a cashier's mistake: the message says what to do. */
  async execute(input: string): Promise<CommandResult> {
    const line = input.trim();
    if (line === '') return { lines: [] };
    try {
      return await this.dispatch(line);
    } catch (e) {
      if (e instanceof UserError) return { lines: [`! ${e.message}`] };
      if (TillkitError.isInstance(e)) return { lines: [`! ${e.code}: ${e.message}`] };
      throw e;
    }
  }

  private async dispatch(line: string): Promise<CommandResult> {
    const [word = '', ...rest] = line.split(/\s+/);
    const cmd = word.toLowerCase();
    const arg = rest.join(' ');
    switch (cmd) {
      case 'help':
      case '?':
        return { lines: HELP };
      case 'preview':
        if (rest[0] !== 'on' && rest[0] !== 'off') throw new UserError('preview on | off');
        this.preview = rest[0] === 'on';
        return { lines: [`Receipt preview ${rest[0]}: receipts ${this.preview ? 'are shown here and' : 'are only'} printed.`] };
      case 'quit':
      case 'exit':
        if (this.basket.length > 0) return { lines: ['! Finish or cancel the sale first.'] };
        return { lines: ['Bye.'], quit: true };
      case 'open':
        return this.open(rest[0]);
      case 'close':
        return this.close(rest[0]);
      case 'x':
        return this.xReport();
      case 'scan':
        return this.addArticle(arg, true);
      case 'qty':
        return this.setQuantity(rest[0]);
      case 'disc':
        return this.lineDiscount(rest[0]);
      case 'odisc':
        return this.orderDiscount(rest[0]);
      case 'void':
        return this.voidLine(rest[0]);
      case 'member':
        return this.lookupMember(arg);
      case 'cash':
      case 'card':
        return this.tender(cmd, rest[0]);
      case 'cancel':
        return this.cancel();
      case 'return':
        return this.returnSale(rest);
      case 'reprint':
        return this.reprint(rest[0]);
      case 'nosale':
        return this.noSale();
      case 'paidin':
      case 'paidout':
        return this.cashMovement(cmd, rest[0], rest.slice(1).join(' '));
      default: {
        const m = /^(\d+)\*(\S+)$/.exec(line);
        if (m !== null) {
          this.nextQuantity = Number(m[1]);
          return this.addArticle(m[2]!, false);
        }
        if (/^[0-9A-Za-z-]+$/.test(line) && !/^[a-z]+$/.test(line)) return this.addArticle(line, false);
        return { lines: [`! Unknown command "${word}". Type help for the commands.`] };
      }
    }
  }

  private requireSession(): void {
    if (this.till.session === null) throw new UserError('The till is closed: open a session first (open FLOAT).');
  }

  private requireNoSale(what: string): void {
    if (this.basket.length > 0) throw new UserError(`Finish or cancel the sale in progress before ${what}.`);
  }

  private async keep(result: { till: TillState; entry: JournalEntry; transaction?: CompletedTransaction }): Promise<void> {
    await this.services.record(result.entry, result.till, result.transaction);
    this.journal.push(result.entry);
    this.till = result.till;
    if (result.transaction !== undefined) this.transactions.push(result.transaction);
  }

  private async open(floatText: string | undefined): Promise<CommandResult> {
    if (this.till.session !== null) throw new UserError(`Session ${this.till.session.id} is already open; close it first.`);
    const float = this.amount(floatText, 'the counted float');
    const at = this.services.now();
    const id = `shift-${at.slice(0, 10)}-${this.till.lastZNumber + 1}`;
    await this.keep(openSession(this.till, { id, at, operator: this.services.operator, float }));
    return { lines: [`Session ${id} open, float ${this.fmt(float)}. Operator ${this.services.operator}.`] };
  }

  private sessionEntries(): JournalEntry[] {
    const session = this.till.session;
    if (session === null) return [];
    return this.journal.filter((e) => e.sequence >= session.openingSequence);
  }

  private async xReport(): Promise<CommandResult> {
    this.requireSession();
    const session = this.till.session!;
    const report = buildReport(this.sessionEntries(), { kind: 'X', sessionId: session.id, at: this.services.now() });
    const doc = buildReportDocument(report, { locale: this.services.locale });
    const printed = await this.services.print(doc);
    return { lines: [...this.paper(doc), `X report: expected cash ${this.fmt(report.expectedCash)} (printer: ${printed})`] };
  }

  private async close(countedText: string | undefined): Promise<CommandResult> {
    this.requireSession();
    this.requireNoSale('closing');
    const counted = this.amount(countedText, 'the counted cash');
    const result = closeSession(this.till, {
      at: this.services.now(),
      operator: this.services.operator,
      counted,
      entries: this.sessionEntries(),
    });
    await this.keep(result);
    const doc = buildReportDocument(result.report, { locale: this.services.locale });
    const printed = await this.services.print(doc);
    const overShort = result.report.overShort ?? 0;
    return {
      lines: [
        ...this.paper(doc),
        `Z report #${result.report.zNumber}: expected ${this.fmt(result.report.expectedCash)}, counted ${this.fmt(counted)}, ${overShort === 0 ? 'even' : overShort > 0 ? `over ${this.fmt(overShort)}` : `short ${this.fmt(-overShort)}`} (printer: ${printed}). Session closed.`,
      ],
    };
  }

  private setQuantity(text: string | undefined): CommandResult {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 9999) throw new UserError('qty takes a whole number from 1 to 9999, e.g. qty 3.');
    this.nextQuantity = n;
    return { lines: [`The next article is taken ${n} times.`] };
  }

  private price() {
    return getPricing(this.buildDraft());
  }

  private buildDraft(): DraftTransaction {
    let sale = openSale({
      tillId: this.till.tillId,
      currency: this.services.currency,
      taxes: this.taxes,
      operator: this.services.operator,
      at: this.services.now(),
    });
    for (const l of this.basket) sale = addLine(sale, l.input);
    for (const d of this.orderDiscounts) sale = addOrderDiscount(sale, d);
    return sale;
  }

  private taxes: TaxRateInput[] = [];

  private requireEditable(): void {
    if (this.draft !== undefined) throw new UserError('Payment has started: finish the tender (cash/card).');
  }

  private async addArticle(code: string, scanned: boolean): Promise<CommandResult> {
    this.requireSession();
    this.requireEditable();
    if (code === '') throw new UserError('Give a barcode or item code.');
    const quantity = this.nextQuantity ?? 1;
    this.nextQuantity = undefined;
    const article = await this.services.findArticle(code);
    if (article === undefined) throw new UserError(`No article has the code ${code}; check it or type the item code.`);
    if (this.basket.length === 0) this.taxes = await this.services.taxes();
    let qty: string | number = quantity;
    let shown: string;
    if (article.weighed) {
      if (quantity !== 1) throw new UserError(`${article.name} is sold by weight: put it on the scale, no quantity.`);
      const grams = await this.services.readWeight();
      if (grams <= 0) throw new UserError(`The scale reads 0 g: put the ${article.name} on the scale and scan it again.`);
      qty = (grams / 1000).toFixed(3);
      shown = `${qty} kg x ${article.name} @ ${this.fmt(article.unitPrice)}/kg`;
    } else {
      shown = `${quantity} x ${article.name} @ ${this.fmt(article.unitPrice)}`;
    }
    const input: LineInput = {
      id: `l${++this.lineCounter}`,
      sku: article.id,
      name: article.name,
      unitPrice: article.unitPrice,
      quantity: qty,
      ...(article.weighed ? { unit: 'kg' } : {}),
      taxIds: [article.taxId],
    };
    this.basket.push({ input, article });
    try {
      this.price();
    } catch (e) {
      this.basket.pop();
      throw e;
    }
    const priced = this.price();
    const lineTotal = priced.lines.at(-1)!.total;
    return {
      lines: [
        `${scanned ? '[scan] ' : ''}${this.basket.length}. ${shown} = ${this.fmt(lineTotal)}   total ${this.fmt(priced.total)}`,
      ],
    };
  }

  private parseDiscount(text: string | undefined, name: string): DiscountInput {
    if (text === undefined) throw new UserError('Give a percentage (10%) or an amount (1.50).');
    if (text.endsWith('%')) {
      const percent = text.slice(0, -1);
      if (!/^\d+(\.\d+)?$/.test(percent) || Number(percent) <= 0 || Number(percent) > 100) {
        throw new UserError(`"${text}" is not a percentage between 0 and 100.`);
      }
      return { kind: 'percent', percent, name: `${name} ${percent}%` };
    }
    const amount = this.amount(text, 'a discount');
    return { kind: 'amount', amount, name: `${name} ${this.fmt(amount)}` };
  }

  private lineDiscount(text: string | undefined): CommandResult {
    this.requireEditable();
    const last = this.basket.at(-1);
    if (last === undefined) throw new UserError('There is no line to discount yet.');
    const discount = this.parseDiscount(text, 'Discount');
    const before = last.input;
    last.input = { ...before, discounts: [...(before.discounts ?? []), discount] };
    try {
      const priced = this.price();
      return {
        lines: [
          `Line ${this.basket.length} (${last.article.name}): ${discount.name}, now ${this.fmt(priced.lines.at(-1)!.total)}   total ${this.fmt(priced.total)}`,
        ],
      };
    } catch (e) {
      last.input = before;
      throw e;
    }
  }

  private orderDiscount(text: string | undefined): CommandResult {
    this.requireEditable();
    if (this.basket.length === 0) throw new UserError('Add articles before an order discount.');
    const discount = this.parseDiscount(text, 'Order discount');
    this.orderDiscounts.push(discount);
    try {
      return { lines: [`${discount.name} on the order   total ${this.fmt(this.price().total)}`] };
    } catch (e) {
      this.orderDiscounts.pop();
      throw e;
    }
  }

  private voidLine(text: string | undefined): CommandResult {
    this.requireEditable();
    const n = text === undefined ? this.basket.length : Number(text);
    const line = this.basket[n - 1];
    if (!Number.isInteger(n) || line === undefined) throw new UserError(`There is no line ${text ?? ''} to void.`);
    this.basket.splice(n - 1, 1);
    const total = this.basket.length === 0 ? 0 : this.price().total;
    if (this.basket.length === 0) this.orderDiscounts = [];
    return { lines: [`Line ${n} (${line.article.name}) removed.   total ${this.fmt(total)}`] };
  }

  private async lookupMember(query: string): Promise<CommandResult> {
    if (query === '') throw new UserError('Give a member id, card number or e-mail: member ada@example.com');
    const found = await this.services.findMembers(query);
    if (found.length === 0) return { lines: [`No member matches "${query}".`] };
    if (found.length > 1) {
      return {
        lines: [
          `${found.length} members match "${query}"; narrow it down:`,
          ...found
            .slice(0, 8)
            .map((m) => `  ${m.id}  ${m.name}${m.cardNumber ? `  card ${m.cardNumber}` : ''}${m.email ? `  ${m.email}` : ''}`),
        ],
      };
    }
    const m = found[0]!;
    const attach = this.till.session !== null && this.draft === undefined;
    if (attach) this.member = m;
    return {
      lines: [
        `Member ${m.name}${m.tier ? ` (${m.tier})` : ''}, ${m.points} points${m.cardNumber ? `, card ${m.cardNumber}` : ''}${attach ? ': on this sale' : ''}.`,
      ],
    };
  }

  private cancel(): CommandResult {
    if (this.basket.length === 0 && this.draft === undefined) return { lines: ['Nothing to cancel.'] };
    if (this.draft !== undefined && this.draft.tenders.length > 0) {
      throw new UserError('Tenders were taken: finish the payment (a card payment cannot be taken back here).');
    }
    this.resetBasket();
    return { lines: ['Sale cancelled.'] };
  }

  private resetBasket(): void {
    this.basket = [];
    this.orderDiscounts = [];
    this.member = undefined;
    this.draft = undefined;
    this.nextQuantity = undefined;
    this.lineCounter = 0;
  }

  private async tender(type: 'cash' | 'card', text: string | undefined): Promise<CommandResult> {
    this.requireSession();
    if (this.basket.length === 0) throw new UserError('The basket is empty: add articles first.');
    this.draft ??= this.buildDraft();
    const amount = text === undefined ? undefined : this.amount(text, 'an amount');
    const tender =
      type === 'card'
        ? {
            type,
            ...(amount === undefined ? {} : { amount }),
            reference: `AUTH ${String(100000 + this.till.journal.sequence).slice(-6)}`,
          }
        : { type, ...(amount === undefined ? {} : { amount }) };
    this.draft = addTender(this.draft, tender, { at: this.services.now() });
    const s = getSettlement(this.draft);
    const lines = [`${type} ${this.fmt(this.draft.tenders.at(-1)!.amount)}`];
    if (!s.balanced) {
      const inCash = roundCash(s.remaining, cashRoundingRule(this.services.currency));
      lines.push(`  to pay ${this.fmt(s.remaining)}${inCash !== s.remaining ? ` (${this.fmt(inCash)} in cash)` : ''}`);
      return { lines };
    }
    return { lines: [...lines, ...(await this.complete())] };
  }

  private async complete(): Promise<string[]> {
    const draft = this.draft!;
    const cashTaken = draft.tenders.some((t) => t.type === 'cash');
    const done = completeSale(draft, this.till, { at: this.services.now() });
    await this.keep(done);
    const tx = done.transaction;
    const member = this.member;
    this.resetBasket();
    const doc = this.receipt(tx, { openDrawer: cashTaken, member });
    const printed = await this.services.print(doc);
    const rounding = tx.cashRounding === 0 ? '' : `, cash rounding ${tx.cashRounding > 0 ? '+' : ''}${this.fmt(tx.cashRounding)}`;
    const kind = tx.kind === 'return' ? 'Refund' : 'Sale';
    return [
      ...this.paper(doc),
      `${kind} done: receipt #${tx.receiptNumber}, total ${this.fmt(tx.priced.total)}${rounding}${tx.change > 0 ? `, CHANGE ${this.fmt(tx.change)}` : ''} (printer: ${printed})`,
    ];
  }

  private receipt(
    tx: CompletedTransaction,
    options: { openDrawer?: boolean; copy?: boolean; member?: MemberInfo | undefined },
  ): ReceiptDocument {
    const footer = ['Merci vielmal!'];
    if (options.member !== undefined) footer.unshift(`Member: ${options.member.name} (${options.member.id})`);
    return buildReceipt(tx, {
      locale: this.services.locale,
      timeZone: this.services.timeZone,
      header: this.services.header,
      footer,
      barcode: 'receipt-number',
      ...(options.openDrawer === true ? { openDrawer: true } : {}),
      ...(options.copy === true ? { copy: true } : {}),
    });
  }

  private paper(doc: ReceiptDocument): string[] {
    if (!this.preview) return [];
    const width = 42;
    const text = renderReceiptText(doc, { width });
    const rule = '-'.repeat(width);
    return [`+${rule}+`, ...text.split('\n').map((l) => `|${l.padEnd(width)}|`), `+${rule}+`];
  }

  private findReceipt(text: string | undefined): CompletedTransaction {
    if (text === undefined) {
      const last = this.transactions.at(-1);
      if (last === undefined) throw new UserError('No receipt on this till yet.');
      return last;
    }
    const n = Number(text.replace(/^#/, ''));
    const tx = this.transactions.find((t) => t.receiptNumber === n && n > 0);
    if (tx === undefined) throw new UserError(`No receipt #${text} in this till's journal.`);
    return tx;
  }

  private async returnSale(args: string[]): Promise<CommandResult> {
    this.requireSession();
    this.requireNoSale('a return');
    const source = this.findReceipt(args[0] ?? '');
    if (source.kind !== 'sale') throw new UserError(`Receipt #${source.receiptNumber} is a refund, not a sale.`);
    const refundBy = args.includes('card') ? 'card' : 'cash';
    const priorReturns = this.transactions.filter((t) => t.returnOf?.transactionId === source.id);
    // quantities in thousandths, so weighed lines add up exactly
    const milli = (q: string): number => Math.round(Number(q) * 1000);
    const left = (lineId: string, sold: string): number =>
      milli(sold) -
      priorReturns
        .flatMap((r) => r.returnOf!.lines)
        .filter((l) => l.sourceLineId === lineId)
        .reduce((sum, l) => sum + milli(l.quantity), 0);
    const qty = (m: number): string => (m % 1000 === 0 ? String(m / 1000) : (m / 1000).toFixed(3));
    const picks = args.slice(1).filter((a) => a !== 'card' && a !== 'cash');
    const lines: { sourceLineId: string; quantity: string }[] = [];
    const sourceLines = source.priced.lines;
    if (picks.length === 0) {
      for (const l of sourceLines) {
        const m = left(l.id, l.quantity);
        if (m > 0) lines.push({ sourceLineId: l.id, quantity: qty(m) });
      }
      if (lines.length === 0) throw new UserError(`Everything on receipt #${source.receiptNumber} has been returned already.`);
    } else {
      for (const p of picks) {
        const [n, q] = p.split(':');
        const line = sourceLines[Number(n) - 1];
        if (line === undefined)
          throw new UserError(`Receipt #${source.receiptNumber} has no line ${n}; it has ${sourceLines.length}.`);
        lines.push({ sourceLineId: line.id, quantity: q ?? qty(left(line.id, line.quantity)) });
      }
    }
    let draft = openReturn({ source, priorReturns, lines, operator: this.services.operator, at: this.services.now() });
    draft = addTender(draft, refundBy === 'card' ? { type: 'card', reference: 'REFUND' } : { type: 'cash' }, {
      at: this.services.now(),
    });
    this.draft = draft;
    try {
      const out = await this.complete();
      return { lines: [`Return of receipt #${source.receiptNumber}: ${lines.length} line(s), refund by ${refundBy}`, ...out] };
    } finally {
      this.draft = undefined;
    }
  }

  private async reprint(text: string | undefined): Promise<CommandResult> {
    this.requireNoSale('a reprint');
    const tx = this.findReceipt(text);
    await this.keep(recordReprint(this.till, tx, { at: this.services.now(), operator: this.services.operator }));
    const doc = this.receipt(tx, { copy: true });
    const printed = await this.services.print(doc);
    return { lines: [...this.paper(doc), `Receipt #${tx.receiptNumber} reprinted as a COPY (printer: ${printed}).`] };
  }

  private async noSale(): Promise<CommandResult> {
    this.requireSession();
    this.requireNoSale('a no-sale');
    await this.keep(noSale(this.till, { at: this.services.now(), operator: this.services.operator }));
    await this.services.openDrawer();
    return { lines: ['No sale: drawer opened (journaled).'] };
  }

  private async cashMovement(cmd: 'paidin' | 'paidout', amountText: string | undefined, reason: string): Promise<CommandResult> {
    this.requireSession();
    this.requireNoSale(cmd === 'paidin' ? 'a paid-in' : 'a paid-out');
    const amount = this.amount(amountText, 'the amount');
    if (reason === '') throw new UserError(`Say why: ${cmd} ${amountText} milk from the dairy`);
    const input = { amount, reason, at: this.services.now(), operator: this.services.operator };
    await this.keep(cmd === 'paidin' ? paidIn(this.till, input) : paidOut(this.till, input));
    await this.services.openDrawer();
    return { lines: [`${cmd === 'paidin' ? 'Paid in' : 'Paid out'} ${this.fmt(amount)}: ${reason}.`] };
  }
}

/** A cashier's mistake: shown as a message, the till goes on. */
export class UserError extends Error {}
