import type { TaxRateInput } from '@tillkit/core';
import type { CatalogStore } from '@tillkit/sync-client';

/** An article the till can sell now: from the pulled catalog, with its price and tax rate. */
export interface Product {
  id: string;
  name: string;
  unitPrice: number;
  tax: TaxRateInput;
}

/**
 * The products of the local catalog (IndexedDB) that have a price in the till's currency and a
 * known tax rate, in catalog order. Weighed articles need a scale, which a browser till has not.
 */
export async function loadProducts(catalog: CatalogStore, currency: string): Promise<Product[]> {
  const [articles, prices, rates] = await Promise.all([
    catalog.list('catalog'),
    catalog.list('prices'),
    catalog.list('tax-rates'),
  ]);
  const priceOf = new Map(prices.filter((p) => p.currency === currency).map((p) => [p.id, p.unitPrice]));
  const rateOf = new Map(rates.map((r) => [r.id, r]));
  const products: Product[] = [];
  for (const article of articles) {
    const unitPrice = priceOf.get(article.id);
    const rate = rateOf.get(article.taxId);
    if (unitPrice === undefined || rate === undefined || article.weighed) continue;
    products.push({
      id: article.id,
      name: article.name,
      unitPrice,
      tax: { id: rate.id, name: rate.name, rate: rate.rate, inclusive: rate.inclusive },
    });
  }
  return products;
}
