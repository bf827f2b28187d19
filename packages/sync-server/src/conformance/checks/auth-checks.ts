import { SyncPaths, SyncProblemCode } from '@tillkit/sync-client/protocol';
import { check, expectProblem, expectStatus, show } from '../assert';
import type { ConformanceCheck } from '../check';
import type { HttpAnswer } from '../http';
import { heartbeatBody } from './telemetry-checks';

const CODE_REFUSED = [400, 409] as const;

/** A token with one character changed: looks real, is not. */
function altered(token: string): string {
  const i = Math.floor(token.length / 2);
  const c = token[i] === 'A' ? 'B' : 'A';
  return `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
}

export const authChecks: ConformanceCheck[] = [
  {
    id: 'enrol.one-time-code',
    title: `enrolment with a one-time code gives credentials for the register; a second use of the code is refused ${SyncProblemCode.ENROLMENT_CODE_INVALID}`,
    async run(ctx) {
      const tenant = ctx.tenant();
      const code = await ctx.enrolmentCode(tenant);
      const first = await ctx.enrolWith(code, tenant);
      const again = await ctx.enrolRequest(code, ctx.id('d'));
      expectProblem(again, { status: CODE_REFUSED, code: SyncProblemCode.ENROLMENT_CODE_INVALID });
      const token = await ctx.tokenRequest(first.credentials.clientId, first.credentials.clientSecret);
      expectStatus(token, 200);
    },
  },
  {
    id: 'enrol.unknown-code',
    title: `an enrolment code the back office never issued is refused ${SyncProblemCode.ENROLMENT_CODE_INVALID}`,
    async run(ctx) {
      const answer = await ctx.enrolRequest(`X${ctx.id('code').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 64), ctx.id('d'));
      expectProblem(answer, { status: CODE_REFUSED, code: SyncProblemCode.ENROLMENT_CODE_INVALID });
    },
  },
  {
    id: 'auth.token',
    title: `good credentials get a bearer token for the till's tenant; a wrong secret or an unknown client id gets 401 ${SyncProblemCode.INVALID_CREDENTIALS} without echoing the secret`,
    async run(ctx) {
      const till = await ctx.enrol();
      const served = await till.pullRequest('catalog');
      expectStatus(served, 200);
      const { clientId, clientSecret } = till.enrolment.credentials;
      const wrongSecret =
        `${clientSecret.slice(0, -4)}zzzz` === clientSecret ? `${clientSecret}x` : `${clientSecret.slice(0, -4)}zzzz`;
      const refused = await ctx.tokenRequest(clientId, wrongSecret);
      expectProblem(refused, { status: 401, code: SyncProblemCode.INVALID_CREDENTIALS });
      check(!refused.text.includes(wrongSecret), 'the refusal of a wrong secret echoes the secret');
      const unknown = await ctx.tokenRequest(ctx.id('client'), clientSecret);
      expectProblem(unknown, { status: 401, code: SyncProblemCode.INVALID_CREDENTIALS });
      check(!unknown.text.includes(clientSecret), 'the refusal of an unknown client id echoes the secret');
    },
  },
  {
    id: 'auth.required',
    title: `push, pull, restore and telemetry without a token, with a garbage token or with an altered token answer 401 ${SyncProblemCode.UNAUTHENTICATED}`,
    async run(ctx) {
      const till = await ctx.enrol();
      const tokens: { label: string; token: string | undefined }[] = [
        { label: 'no token', token: undefined },
        { label: 'a garbage token', token: 'not-a-token-at-all-0123456789' },
        { label: 'a real token with one character changed', token: altered(till.token) },
      ];
      for (const { label, token } of tokens) {
        const auth = token === undefined ? {} : { token };
        const answers: HttpAnswer[] = [
          await ctx.http.post(SyncPaths.push, { items: [] }, auth),
          await ctx.http.get(`${SyncPaths.pull}/catalog`, auth),
          await ctx.http.get(SyncPaths.restore, auth),
          await ctx.http.post(SyncPaths.heartbeat, heartbeatBody(till.deviceId), auth),
        ];
        for (const answer of answers) {
          check(
            answer.status === 401,
            () => `${answer.request} with ${label} answered ${answer.status}, expected 401: ${show(answer.text)}`,
          );
          expectProblem(answer, { status: 401, code: SyncProblemCode.UNAUTHENTICATED });
          check(token === undefined || !answer.text.includes(token), () => `${answer.request} echoes the token it refused`);
        }
      }
      expectStatus(await till.pullRequest('catalog'), 200);
    },
  },
];
