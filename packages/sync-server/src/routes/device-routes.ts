import {
  enrolRequestSchema,
  PROTOCOL_MAJOR,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  SyncPaths,
  SyncProblemCode,
  tokenRequestSchema,
  type EnrolResponse,
  type ServerMeta,
  type TokenResponse,
} from '@tillkit/sync-client/protocol';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../errors';
import { parseBody } from '../http';
import type { RouteContext } from '../route-context';
import { enrolmentCodeHash, hashSecret, randomClientId, randomSecret, secretMatches, tokenHash } from '../secrets';
import { SERVER_NAME, SERVER_VERSION } from '../version';

/** Meta, health, enrolment and tokens: the routes a till calls without a bearer token. */
export function registerDeviceRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { storage, clock, options } = ctx;

  app.get(SyncPaths.meta, () => {
    const meta: ServerMeta = {
      protocol: { name: PROTOCOL_NAME, majors: [PROTOCOL_MAJOR], version: PROTOCOL_VERSION },
      server: { name: SERVER_NAME, version: SERVER_VERSION },
      limits: { ...options.limits },
    };
    return meta;
  });

  // healthy = the database answers (a till's probe moves it to another endpoint otherwise)
  app.get(SyncPaths.health, async () => {
    await storage.ping();
    return { status: 'ok' as const };
  });

  app.post(SyncPaths.enrol, async (request, reply) => {
    const body = parseBody(enrolRequestSchema, request.body, 'an enrolment request ({ code, deviceId, softwareVersion? })');
    const clientId = randomClientId();
    const clientSecret = randomSecret();
    const { salt, hash } = hashSecret(clientSecret);
    const outcome = await storage.enrolDevice({
      codeHash: enrolmentCodeHash(body.code),
      deviceId: body.deviceId,
      clientId,
      secretSalt: salt,
      secretHash: hash,
      softwareVersion: body.softwareVersion,
      now: clock.now(),
    });
    switch (outcome.status) {
      case 'unknown':
        throw new ProblemError(
          400,
          SyncProblemCode.ENROLMENT_CODE_INVALID,
          'The enrolment code is unknown. Check it, or ask the back office for a new one.',
        );
      case 'expired':
        throw new ProblemError(
          400,
          SyncProblemCode.ENROLMENT_CODE_INVALID,
          'The enrolment code expired. Ask the back office for a new one.',
        );
      case 'used':
        throw new ProblemError(
          409,
          SyncProblemCode.ENROLMENT_CODE_INVALID,
          'The enrolment code was already used; a code enrols one till. Ask the back office for a new one.',
        );
      case 'device-conflict':
        throw new ProblemError(
          409,
          SyncProblemCode.FORBIDDEN,
          `The device id "${body.deviceId}" is enrolled with another merchant; enrol this till with a new device id.`,
        );
      case 'enrolled': {
        const { merchantId, storeId, registerId, currency } = outcome.register;
        const response: EnrolResponse = {
          deviceId: body.deviceId,
          tenant: { merchantId, storeId, registerId },
          currency,
          credentials: { clientId, clientSecret },
        };
        return reply.code(201).send(response);
      }
    }
  });

  app.post(SyncPaths.token, async (request) => {
    const body = parseBody(tokenRequestSchema, request.body, 'a token request ({ clientId, clientSecret })');
    const device = await storage.findDeviceByClientId(body.clientId);
    if (
      device === undefined ||
      device.revokedAt !== null ||
      !secretMatches(body.clientSecret, device.secretSalt, device.secretHash)
    ) {
      throw new ProblemError(
        401,
        SyncProblemCode.INVALID_CREDENTIALS,
        'The credentials are wrong, or the till was replaced by another enrolment for its register. Enrol this till again.',
      );
    }
    const accessToken = randomSecret();
    const now = clock.now();
    await storage.saveToken({
      tokenHash: tokenHash(accessToken),
      deviceId: device.deviceId,
      createdAt: now,
      expiresAt: now + options.tokenTtlSeconds * 1000,
    });
    const response: TokenResponse = {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: options.tokenTtlSeconds,
      tenant: device.tenant,
      deviceId: device.deviceId,
    };
    return response;
  });
}
