import { DATASETS, type Dataset } from '@tillkit/sync-client';
import type { Admin } from './harness';
import { between, pick } from './seeded-random';

type StoredRecord = { id: string } & Record<string, unknown>;

/** What the head office's last call left in each dataset: the live records, and the ids it deleted. */
export interface HeadOfficeModel {
  live: Record<Dataset, Map<string, StoredRecord>>;
  deleted: Record<Dataset, Set<string>>;
}

export type HeadOfficeOp =
  | 'price-change'
  | 'article-added'
  | 'article-revived'
  | 'article-deleted'
  | 'member-upserted'
  | 'member-deleted'
  | 'config-changed'
  | 'config-deleted'
  | 'tax-rate-changed';

const ARTICLE_NAMES = ['Espresso', 'Cappuccino', 'Latte', 'Tea', 'Croissant', 'Bagel', 'Muffin', 'Water', 'Juice', 'Cake'];

/**
 * The back office of the store, on the admin API (directly on the server): it opens with a catalog,
 * then each `step()` makes one seeded change (a price, a new, revived or withdrawn article with its
 * price, a member, a setting, a tax rate) and keeps the model of what the server should now hold.
 */
export class HeadOffice {
  readonly model: HeadOfficeModel = {
    live: Object.fromEntries(DATASETS.map((d) => [d, new Map()])) as HeadOfficeModel['live'],
    deleted: Object.fromEntries(DATASETS.map((d) => [d, new Set()])) as HeadOfficeModel['deleted'],
  };
  readonly counts: Partial<Record<HeadOfficeOp, number>> = {};
  private articles = 0;
  private members = 0;

  constructor(
    private readonly admin: Admin,
    private readonly random: () => number,
  ) {}

  /** Tax rates, a first catalog with prices, members and settings. */
  async open(articles = 12, members = 6): Promise<void> {
    await this.put('tax-rates', [
      { id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true },
      { id: 'vat7', name: 'VAT 7%', rate: '7', inclusive: true },
    ]);
    for (let i = 0; i < articles; i++) await this.addArticle();
    for (let i = 0; i < members; i++) await this.upsertMember(this.newMemberId());
    await this.put('config', [
      { id: 'receipt.header', value: 'Café Tillkit' },
      { id: 'cash.rounding', value: 5 },
      { id: 'tips.enabled', value: true },
    ]);
  }

  /** One change, drawn from the seeded source. */
  async step(): Promise<HeadOfficeOp> {
    const r = this.random();
    const liveArticles = [...this.model.live.catalog.keys()];
    const deletedArticles = [...this.model.deleted.catalog];
    const liveMembers = [...this.model.live.members.keys()];
    let op: HeadOfficeOp;
    if (r < 0.35 && liveArticles.length > 0) {
      op = 'price-change';
      const id = pick(this.random, liveArticles);
      await this.put('prices', [{ id, currency: 'EUR', unitPrice: between(this.random, 50, 1500) }]);
    } else if (r < 0.47) {
      op = 'article-added';
      await this.addArticle();
    } else if (r < 0.52 && deletedArticles.length > 0) {
      op = 'article-revived';
      await this.addArticle(pick(this.random, deletedArticles));
    } else if (r < 0.62 && liveArticles.length > 3) {
      op = 'article-deleted';
      const id = pick(this.random, liveArticles);
      await this.delete('catalog', id);
      await this.delete('prices', id);
    } else if (r < 0.77) {
      op = 'member-upserted';
      await this.upsertMember(
        liveMembers.length > 0 && this.random() < 0.6 ? pick(this.random, liveMembers) : this.newMemberId(),
      );
    } else if (r < 0.85 && liveMembers.length > 1) {
      op = 'member-deleted';
      await this.delete('members', pick(this.random, liveMembers));
    } else if (r < 0.93) {
      op = 'config-changed';
      await this.put('config', [
        { id: pick(this.random, ['receipt.header', 'receipt.footer', 'cash.rounding']), value: this.configValue() },
      ]);
    } else if (r < 0.96 && this.model.live.config.has('tips.enabled')) {
      op = 'config-deleted';
      await this.delete('config', 'tips.enabled');
    } else {
      op = 'tax-rate-changed';
      await this.put('tax-rates', [
        { id: 'vat7', name: 'VAT reduced', rate: pick(this.random, ['7', '5', '7.5']), inclusive: true },
      ]);
    }
    this.counts[op] = (this.counts[op] ?? 0) + 1;
    return op;
  }

  private configValue(): string | number {
    return this.random() < 0.5 ? `Thank you #${between(this.random, 1, 999)}` : between(this.random, 1, 10);
  }

  private async addArticle(id = `art-${String(++this.articles).padStart(3, '0')}`): Promise<void> {
    const name = `${pick(this.random, ARTICLE_NAMES)} ${id}`;
    const barcode = `40000${id.replace(/\D/g, '').padStart(8, '0')}`;
    await this.put('catalog', [{ id, name, barcodes: [barcode], taxId: pick(this.random, ['vat19', 'vat7']) }]);
    await this.put('prices', [{ id, currency: 'EUR', unitPrice: between(this.random, 50, 1500) }]);
  }

  private newMemberId(): string {
    return `mem-${String(++this.members).padStart(3, '0')}`;
  }

  private async upsertMember(id: string): Promise<void> {
    await this.put('members', [
      { id, name: `Member ${id}`, cardNumber: `CARD-${id}`, email: `${id}@example.com`, points: between(this.random, 0, 5000) },
    ]);
  }

  private async put(dataset: Dataset, records: StoredRecord[]): Promise<void> {
    await this.admin.putRecords(dataset, records);
    for (const record of records) {
      this.model.live[dataset].set(record.id, record);
      this.model.deleted[dataset].delete(record.id);
    }
  }

  private async delete(dataset: Dataset, id: string): Promise<void> {
    await this.admin.deleteRecord(dataset, id);
    this.model.live[dataset].delete(id);
    this.model.deleted[dataset].add(id);
  }
}
