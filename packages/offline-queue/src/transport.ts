import type { Endpoint } from './endpoint-selector';
import type { DeliveryOutcome, ItemResult } from './error-taxonomy';
import type { OutboxItem } from './item';

/**
 * How the outbox reaches a server. The built-in HTTP transport (`createHttpTransport`) speaks the
 * wire format in wire.ts; the sync client plugs in its own protocol through the same interface.
 */
export interface Transport {
  /**
   * Sends one batch to one endpoint. Items of a partition come in sequence order. Resolve with a
   * result per item (missing items are retried), or with `failed` when the request as a whole did
   * not get through or was refused. A thrown error counts as a network failure. Honour `signal`:
   * the outbox aborts a send that outlives its timeout.
   */
  send(request: SendRequest): Promise<SendResult>;
  /**
   * An active health probe: true when the endpoint answers like a healthy server (not merely when
   * something answers: a captive portal answers too). Without a probe, endpoints are judged by
   * delivery results alone.
   */
  probe?(request: ProbeRequest): Promise<boolean>;
}

export interface SendRequest {
  endpoint: Endpoint;
  items: readonly OutboxItem[];
  signal: AbortSignal;
}

export interface ProbeRequest {
  endpoint: Endpoint;
  signal: AbortSignal;
}

/** A server's answer for one item, keyed by the item's idempotency key. */
export type KeyedItemResult = ItemResult & { key: string };

export type SendResult =
  | { kind: 'results'; results: readonly KeyedItemResult[] }
  | { kind: 'failed'; outcome: DeliveryOutcome; detail?: string | undefined };
