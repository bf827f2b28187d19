/** What the embedded cloud sells: a Zürich café-shop's articles (with barcodes), prices in rappen, tax rates and members. */
import type { CatalogItem, Member, TaxRate } from '@tillkit/sync-client';

export const SHOP_TAXES: TaxRate[] = [
  { id: 'mwst81', name: 'MWST 8.1%', rate: '8.1', inclusive: true },
  { id: 'mwst26', name: 'MWST 2.6%', rate: '2.6', inclusive: true },
];

export const SHOP_CATALOG: { article: CatalogItem; price: number }[] = [
  { article: { id: '7610010', name: 'Espresso', barcodes: ['7610010000014'], taxId: 'mwst81', weighed: false }, price: 420 },
  { article: { id: '7610011', name: 'Cappuccino', barcodes: ['7610011000013'], taxId: 'mwst81', weighed: false }, price: 550 },
  { article: { id: '7610012', name: 'Gipfeli', barcodes: ['7610012000012'], taxId: 'mwst26', weighed: false }, price: 290 },
  { article: { id: '7610013', name: 'Birchermüesli', barcodes: ['7610013000011'], taxId: 'mwst26', weighed: false }, price: 790 },
  { article: { id: '7610014', name: 'Mineral water', barcodes: ['7610014000010'], taxId: 'mwst81', weighed: false }, price: 383 },
  {
    article: { id: '2100001', name: 'Bündnerfleisch', barcodes: ['2100001000005'], taxId: 'mwst26', weighed: true, unit: 'kg' },
    price: 5990,
  },
];

export const SHOP_MEMBERS: Member[] = [
  { id: 'm-1001', name: 'Ada Keller', cardNumber: '900100', email: 'ada@example.com', points: 1200, tier: 'gold' },
  { id: 'm-1002', name: 'Beat Frei', cardNumber: '900200', email: 'beat@example.com', points: 80 },
];
