import { PROTOCOL_MAJOR, PROTOCOL_NAME, SyncPaths, SyncProblemCode } from '@tillkit/sync-client/protocol';
import { check, expectProblem, expectStatus, show } from '../assert';
import type { ConformanceCheck } from '../check';

export const metaChecks: ConformanceCheck[] = [
  {
    id: 'meta',
    title: `GET ${SyncPaths.meta} (no auth) states ${PROTOCOL_NAME} major ${PROTOCOL_MAJOR} and the server's limits`,
    async run(ctx) {
      const meta = await ctx.meta();
      check(
        meta.protocol.majors.includes(PROTOCOL_MAJOR),
        () => `meta lists majors ${show(meta.protocol.majors)}, without ${PROTOCOL_MAJOR}`,
      );
      const [major] = meta.protocol.version.split('.');
      check(
        meta.protocol.majors.includes(Number(major)),
        () => `meta states version ${meta.protocol.version}, whose major is not among majors ${show(meta.protocol.majors)}`,
      );
      const { maxBodyBytes, maxBatchItems, maxPageSize } = meta.limits;
      check(maxBodyBytes >= 1024, () => `limits.maxBodyBytes is ${maxBodyBytes}: too small for a single sale`);
      check(
        maxBatchItems >= 1 && maxPageSize >= 1,
        () => `limits must allow at least one item and one change: ${show(meta.limits)}`,
      );
    },
  },
  {
    id: 'health',
    title: `GET ${SyncPaths.health} answers 200 {"status":"ok"}`,
    async run(ctx) {
      const answer = await ctx.http.get(SyncPaths.health);
      expectStatus(answer, 200);
      check((answer.json as { status?: unknown } | undefined)?.status === 'ok', () => `health answered ${show(answer.text)}`);
    },
  },
  {
    id: 'version.unsupported-major',
    title: `a request with the header "tillkit-protocol: 99" is refused 400 ${SyncProblemCode.UNSUPPORTED_VERSION}; the same request with major ${PROTOCOL_MAJOR} is served`,
    async run(ctx) {
      const till = await ctx.enrol();
      const path = `${SyncPaths.pull}/catalog`;
      const refused = await ctx.http.get(path, { token: till.token, protocol: '99' });
      expectProblem(refused, { status: 400, code: SyncProblemCode.UNSUPPORTED_VERSION });
      const served = await ctx.http.get(path, { token: till.token });
      expectStatus(served, 200);
    },
  },
];
