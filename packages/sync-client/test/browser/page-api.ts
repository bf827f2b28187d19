// The page side of the browser harness: a browser entry calls `exposeApi` with the functions the
// node-side tests may call (harness.ts `callPage`). Arguments and results cross as JSON-like values;
// an error thrown in the page comes back as its name, tillkit code, message and stack.

export type PageCallResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; code?: string | undefined; stack?: string | undefined } };

type ApiFunction = (...args: never[]) => unknown;

function describe(error: unknown): Extract<PageCallResult, { ok: false }>['error'] {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined, stack: error.stack };
  }
  return { name: 'thrown value', message: String(error) };
}

export function exposeApi(api: Readonly<Record<string, ApiFunction>>): void {
  const page = globalThis as unknown as {
    __tillkitCall: (name: string, args: unknown[]) => Promise<PageCallResult>;
    __tillkitReady: boolean;
  };
  page.__tillkitCall = async (name, args) => {
    const fn = api[name] as ((...a: unknown[]) => unknown) | undefined;
    if (fn === undefined) return { ok: false, error: { name: 'TypeError', message: `The page exposes no function "${name}".` } };
    try {
      return { ok: true, value: await fn(...args) };
    } catch (error) {
      return { ok: false, error: describe(error) };
    }
  };
  page.__tillkitReady = true;
}
