import { z } from 'zod';

const idSchema = z.string().min(1).max(128);

/** Who a till is: a register of a store of a merchant. A till reads and writes only its own store's data. */
export const tenantSchema = z.object({
  merchantId: idSchema,
  storeId: idSchema,
  registerId: idSchema,
});
export type Tenant = z.infer<typeof tenantSchema>;

/** `POST /v1/devices/enrol` (no auth): trade a one-time code (from the back office) for credentials. */
export const enrolRequestSchema = z.object({
  /** the one-time enrolment code, as printed by the back office */
  code: z.string().min(4).max(64),
  /** this physical device (a replacement till for a register gets a new device id) */
  deviceId: idSchema,
  softwareVersion: z.string().max(64).optional(),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

/** The answer to an enrolment: store `credentials` securely; they are shown once. */
export const enrolResponseSchema = z.object({
  deviceId: idSchema,
  tenant: tenantSchema,
  /** the currency the store keeps its books in (ISO 4217) */
  currency: z.string().length(3),
  credentials: z.object({ clientId: idSchema, clientSecret: z.string().min(16).max(256) }),
});
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;
export type DeviceCredentials = EnrolResponse['credentials'];

/** `POST /v1/auth/token` (no auth): trade credentials for a short-lived bearer token. */
export const tokenRequestSchema = z.object({ clientId: idSchema, clientSecret: z.string().min(1).max(256) });
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export const tokenResponseSchema = z.object({
  accessToken: z.string().min(16).max(2048),
  tokenType: z.literal('Bearer'),
  /** seconds until the token expires */
  expiresIn: z.number().int().positive(),
  tenant: tenantSchema,
  deviceId: idSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
