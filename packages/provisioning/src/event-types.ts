/**
 * The inbound event types a back office may send, each with its zod schema: the envelope
 * `{type, timestamp, data}` and the data of every type. Unknown types and invalid data are one
 * typed failure naming the fields at fault (422), never a partial application.
 */
import { type FieldError, failFields, ok, type Result } from '@palisade/failures';
import { provisioningKeyPatterns } from '@palisade/store';
import { z } from 'zod';

/** IAM's name rule (users, groups, roles, policies): the services check it again, this names the field. */
export const iamName = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\w+=,.@-]+$/, 'must match [\\w+=,.@-]+');
/** A back office's id for a tenant (unique across accounts). */
export const externalIdSchema = z
  .string()
  .regex(provisioningKeyPatterns.externalId, 'must be 1–128 characters of letters, digits and _.:@+=,/-');
const alias = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/,
    'must be 3–63 lower-case letters, digits and hyphens',
  );
const blueprintName = z.string().regex(provisioningKeyPatterns.blueprintName, 'must be 1–64 of [\\w.-]');

/** The most groups a member.upserted may name (IAM's groups-per-user quota). */
export const MAX_MEMBER_GROUPS = 10;

/** The data schema of every event type, by type. */
export const eventDataSchemas = {
  'tenant.created': z.strictObject({
    externalId: externalIdSchema,
    alias,
    blueprint: blueprintName.optional(),
    owner: z.strictObject({ userName: iamName(64), email: z.email().max(254).optional() }).optional(),
  }),
  'tenant.suspended': z.strictObject({ externalId: externalIdSchema }),
  'tenant.reactivated': z.strictObject({ externalId: externalIdSchema }),
  'tenant.deleted': z.strictObject({ externalId: externalIdSchema }),
  'member.upserted': z.strictObject({
    tenantExternalId: externalIdSchema,
    userName: iamName(64),
    groups: z.array(iamName(128)).max(MAX_MEMBER_GROUPS).optional(),
  }),
  'member.removed': z.strictObject({ tenantExternalId: externalIdSchema, userName: iamName(64) }),
} as const;

/** The inbound event types. */
export type InboundEventType = keyof typeof eventDataSchemas;

/** A parsed inbound event of any type. */
export type InboundEvent = {
  [T in InboundEventType]: {
    readonly type: T;
    readonly timestamp: string;
    readonly data: z.output<(typeof eventDataSchemas)[T]>;
  };
}[InboundEventType];

const envelope = z.strictObject({
  type: z.string().max(64),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});

function fieldsOf(error: z.core.$ZodError, prefix: string): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.') || 'body',
    message: issue.message,
  }));
}

/** Parses a verified event body (already JSON) into a typed event, or the fields at fault. */
export function parseInboundEvent(body: unknown): Result<InboundEvent> {
  const outer = envelope.safeParse(body);
  if (!outer.success) {
    return failFields(
      'webhook.invalid-event',
      'The event is not {type, timestamp, data}.',
      fieldsOf(outer.error, ''),
    );
  }
  const { type, timestamp, data } = outer.data;
  if (!Object.hasOwn(eventDataSchemas, type)) {
    return failFields('webhook.invalid-event', `Unknown event type ${JSON.stringify(type)}.`, [
      { path: 'type', message: `must be one of ${Object.keys(eventDataSchemas).join(', ')}` },
    ]);
  }
  const schema = eventDataSchemas[type as InboundEventType];
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    return failFields('webhook.invalid-event', `Invalid data for ${type}.`, fieldsOf(parsed.error, 'data'));
  }
  return ok({ type, timestamp, data: parsed.data } as InboundEvent);
}
