import { DEFAULT_RECEIPT_LABELS, type ReceiptBlock, type ReceiptDocument } from '@tillkit/core';

/**
 * The document as a copy: copy=true, no drawer kick, and the COPY banner after the logo and
 * header and again before the final cut (where buildReceipt(tx, { copy: true }) and the renderer
 * put it). A document that already is a copy is only stripped of drawer kicks.
 */
export function markAsCopy(doc: ReceiptDocument): ReceiptDocument {
  const blocks = doc.blocks.filter((b) => b.type !== 'drawer-kick');
  if (doc.copy) return { ...doc, blocks };
  const banner: ReceiptBlock = {
    type: 'text',
    text: DEFAULT_RECEIPT_LABELS.copy,
    align: 'center',
    bold: true,
    size: 'double-height',
    role: 'banner',
  };
  let top = 0;
  while (top < blocks.length) {
    const b = blocks[top];
    if (b?.type === 'image' || (b?.type === 'text' && b.role === 'header')) top++;
    else break;
  }
  const bottom = blocks.at(-1)?.type === 'cut' ? blocks.length - 1 : blocks.length;
  return {
    ...doc,
    copy: true,
    blocks: [...blocks.slice(0, top), banner, ...blocks.slice(top, bottom), banner, ...blocks.slice(bottom)],
  };
}
