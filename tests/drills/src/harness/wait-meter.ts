/**
 * The longest time a cashier waited: every call the till makes on the cashier's path (recording a
 * sale durably, handing a receipt to the printer queue) goes through `time`, and the longest one is
 * kept. Waiting for paper or for the network is never on that path; if it were, it would show here.
 */
export class WaitMeter {
  private longestMs = 0;
  private calls = 0;

  get longest(): number {
    return this.longestMs;
  }

  get count(): number {
    return this.calls;
  }

  async time<T>(work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.calls++;
      this.longestMs = Math.max(this.longestMs, performance.now() - started);
    }
  }
}
