/**
 * The decision log as an account sees it: set the sampling rate (default off), and read the
 * sampled decisions by time, a page at a time. Items expire through DynamoDB TTL.
 */
import { fail, ok, type Result } from '@palisade/failures';
import {
  type Caller,
  decodeMarker,
  denialOf,
  encodeMarker,
  palisadeArn,
  validationFailure,
} from '@palisade/principals';
import {
  type DecisionLogRecord,
  isAccountId,
  isDecisionLogCursor,
  putDecisionLogSettings,
  queryDecisionLog,
  type StoreContext,
} from '@palisade/store';
import { z } from 'zod';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** An instant the calendar has: Date rolls `02-31` over to March, so the round trip must agree. */
const instant = z
  .string()
  .regex(INSTANT, 'an ISO-8601 UTC instant')
  .refine((text) => {
    const at = Date.parse(text);
    return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 19) === text.slice(0, 19);
  }, 'an instant that exists (month 01-12, a day of that month, 00:00:00-23:59:59)');
const querySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    account: z.string().optional(),
  })
  .strict();
/** `PUT /v1/decision-log/settings`: the share of decisions to record. */
export const decisionLogSettingsRequestSchema = z
  .object({
    sampleRate: z.number().min(0).max(1).describe('Share of decisions to log (0 turns the log off).'),
  })
  .strict();

/** The decision-log operations. */
export function decisionLogService(deps: { store: StoreContext; partition: string; now: () => Date }) {
  const accountFor = (caller: Caller, requested: string | undefined, action: string): Result<string> => {
    if (caller.kind === 'operator') {
      return requested !== undefined && isAccountId(requested)
        ? ok(requested)
        : fail('request.invalid', 'The operator names the "account" whose log to read.');
    }
    const accountId = caller.accountId;
    if (requested !== undefined && requested !== accountId)
      return fail(
        'access.denied',
        `User: ${caller.arn} is not authorized to perform: ${action} on account ${requested}`,
      );
    if (caller.kind === 'root') return ok(accountId);
    return denialOf(caller, action, palisadeArn(deps.partition, accountId, 'decision-log')) ?? ok(accountId);
  };

  return {
    async query(
      caller: Caller,
      params: Record<string, string>,
    ): Promise<Result<{ decisions: DecisionLogRecord[]; cursor?: string }>> {
      const parsed = querySchema.safeParse(params);
      if (!parsed.success) return validationFailure(parsed.error);
      const account = accountFor(caller, parsed.data.account, 'palisade:GetDecisionLog');
      if (!account.ok) return account;
      const to = new Date(parsed.data.to ?? deps.now().toISOString()).toISOString();
      const from = new Date(
        parsed.data.from ?? new Date(Date.parse(to) - 3_600_000).toISOString(),
      ).toISOString();
      if (from > to) return fail('request.invalid', '"from" must not be after "to".');
      const after = decodeMarker(parsed.data.cursor);
      // A cursor is the sort key of the last decision of a page, so it lies at or before `to`.
      if (after !== undefined && (!isDecisionLogCursor(after) || after.slice(0, to.length) > to))
        return fail('request.invalid', 'The cursor is not one this API returned for this range.');
      const page = await queryDecisionLog(deps.store, account.value, {
        from,
        to,
        limit: parsed.data.limit ?? 100,
        ...(after !== undefined ? { after } : {}),
      });
      const cursor = encodeMarker(page.next);
      return ok({ decisions: page.items, ...(cursor ? { cursor } : {}) });
    },
    async configure(caller: Caller, body: unknown): Promise<Result<{ sampleRate: number }>> {
      const account = accountFor(caller, undefined, 'palisade:PutDecisionLogSettings');
      if (!account.ok) return account;
      const parsed = decisionLogSettingsRequestSchema.safeParse(body);
      if (!parsed.success) return validationFailure(parsed.error);
      const written = await putDecisionLogSettings(deps.store, account.value, parsed.data.sampleRate);
      return written.ok ? ok({ sampleRate: parsed.data.sampleRate }) : written;
    },
  };
}

/** The decision-log service's type. */
export type DecisionLogService = ReturnType<typeof decisionLogService>;
