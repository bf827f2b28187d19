// The page side of the e2e browser harness (browser-harness.ts): a page entry puts its functions on
// the page with `exposePageApi`; the node side calls them with `BrowserPage.call`. Arguments and
// results cross as JSON-like values; an error thrown in the page comes back as its name, code and message.

/** What a page entry exposes: async functions taking and returning JSON-like values. */
export type PageApi = Record<string, (...args: never[]) => Promise<unknown>>;

export type CallResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Puts `api` on the page for `BrowserPage.call` (in the page entry). */
export function exposePageApi(api: PageApi): void {
  const page = globalThis as unknown as { __tillkitPage: (name: string, args: unknown[]) => Promise<CallResult> };
  page.__tillkitPage = async (name, args) => {
    const fn = api[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (fn === undefined) return { ok: false, error: `the page exposes no function "${name}"` };
    try {
      return { ok: true, value: await fn(...args) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const text =
        error instanceof Error ? `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}` : String(error);
      return { ok: false, error: text };
    }
  };
}
