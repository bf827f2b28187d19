import { describe, expect, it } from 'vitest';
import { Basket } from '../src/basket';
import type { Product } from '../src/products';

const tax = { id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true };
const espresso: Product = { id: 'sku-espresso', name: 'Espresso', unitPrice: 250, tax };
const croissant: Product = { id: 'sku-croissant', name: 'Croissant', unitPrice: 220, tax };

describe('Basket', () => {
  it('keeps one line per product, in the order first added, and sums the shelf prices', () => {
    const basket = new Basket();
    expect(basket.isEmpty).toBe(true);
    basket.add(espresso);
    basket.add(croissant);
    basket.add(espresso);
    expect(basket.items().map((l) => [l.product.id, l.quantity])).toEqual([
      ['sku-espresso', 2],
      ['sku-croissant', 1],
    ]);
    expect(basket.subtotal).toBe(720);
  });

  it('removes one at a time, drops a line at zero, and clears', () => {
    const basket = new Basket();
    basket.add(espresso);
    basket.add(espresso);
    basket.add(croissant);
    basket.remove('sku-espresso');
    basket.remove('sku-croissant');
    basket.remove('sku-unknown');
    expect(basket.items().map((l) => [l.product.id, l.quantity])).toEqual([['sku-espresso', 1]]);
    basket.clear();
    expect(basket.isEmpty).toBe(true);
    expect(basket.subtotal).toBe(0);
  });
});
