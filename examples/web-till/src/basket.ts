import type { Product } from './products';

export interface BasketLine {
  product: Product;
  quantity: number;
}

/** What the customer is buying, before it becomes a sale: one line per product. */
export class Basket {
  private readonly lines = new Map<string, BasketLine>();

  add(product: Product): void {
    const line = this.lines.get(product.id);
    this.lines.set(product.id, { product, quantity: (line?.quantity ?? 0) + 1 });
  }

  /** One less of the product; the line goes at zero. */
  remove(productId: string): void {
    const line = this.lines.get(productId);
    if (line === undefined) return;
    if (line.quantity <= 1) this.lines.delete(productId);
    else this.lines.set(productId, { ...line, quantity: line.quantity - 1 });
  }

  clear(): void {
    this.lines.clear();
  }

  items(): BasketLine[] {
    return [...this.lines.values()];
  }

  get isEmpty(): boolean {
    return this.lines.size === 0;
  }

  /** The shelf-price total (tax-inclusive prices); the sale's own pricing is core's. */
  get subtotal(): number {
    return this.items().reduce((sum, line) => sum + line.product.unitPrice * line.quantity, 0);
  }
}
