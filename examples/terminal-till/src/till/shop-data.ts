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

export const SHOP_MERCHANT = 'cafe-lindenhof';
export const SHOP_STORE = 'zh-lindenhof';
const MERCHANT = SHOP_MERCHANT;
const STORE = SHOP_STORE;

/** Sets the embedded cloud up as a head office would: register, tax rates, catalog, prices, members; returns an enrolment code. */
export async function seedShopCloud(
  baseUrl: string,
  token: string,
  config: { tillId: string; currency: string },
): Promise<string> {
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /admin/v1${path}: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  await admin('POST', '/registers', {
    merchantId: MERCHANT,
    storeId: STORE,
    registerId: config.tillId,
    currency: config.currency,
  });
  const dataset = (name: string) => `/merchants/${MERCHANT}/stores/${STORE}/datasets/${name}`;
  await admin('PUT', dataset('tax-rates'), { records: SHOP_TAXES });
  await admin('PUT', dataset('catalog'), { records: SHOP_CATALOG.map((c) => c.article) });
  await admin('PUT', dataset('prices'), {
    records: SHOP_CATALOG.map((c) => ({ id: c.article.id, currency: config.currency, unitPrice: c.price })),
  });
  await admin('PUT', dataset('members'), { records: SHOP_MEMBERS });
  const { code } = (await admin('POST', '/enrolments', { merchantId: MERCHANT, storeId: STORE, registerId: config.tillId })) as {
    code: string;
  };
  return code;
}
