/**
 * One inbound delivery, start to finish: verify the Standard Webhooks signature (401) → claim the
 * webhook-id with a conditional write (a concurrent delivery of the same id waits: 409) → parse
 * the event (422 with field errors) → apply it through the tenant and member operations, inside the
 * interface's change origin → remember the answer (200 and 422 only, sealed, for 48 hours).
 */
import { type Failure, fail, ok, type Result } from '@palisade/failures';
import { parseBoundedJson } from '@palisade/policy';
import type { AccountStatus } from '@palisade/store';
import { claimWebhookDelivery, releaseWebhookDelivery, rememberWebhookAnswer } from '@palisade/store';
import { type InboundEvent, parseInboundEvent } from './event-types.ts';
import { memberOperations } from './members.ts';
import type { ProvisioningContext } from './provisioning-context.ts';
import { tenantOperations } from './tenants.ts';
import { verifyWebhookDelivery, type WebhookDelivery } from './webhook-secrets.ts';

/** What an applied event answers: `{"status":"applied", …}`. */
export type AppliedEvent = { readonly status: 'applied' } & Readonly<Record<string, unknown>>;

/**
 * Runs an event's application inside the interface's change origin, so its writes carry their
 * change records and audit event (the API's runAsChange, eventName = the event's type).
 */
export type ApplyScope = <T>(event: InboundEvent, apply: () => Promise<T>) => Promise<T>;

/** How long a webhook-id's answer is remembered (the contract: at least 24 hours). */
export const WEBHOOK_ANSWER_RETENTION_SECONDS = 48 * 3600;
/** How long a claim holds a webhook-id before another delivery may take it over (its holder crashed). */
export const WEBHOOK_CLAIM_LEASE_SECONDS = 60;

const STATUS_OF: Readonly<Record<string, AccountStatus>> = {
  'tenant.suspended': 'suspended',
  'tenant.reactivated': 'active',
  'tenant.deleted': 'closed',
};

/** Only what the sender cannot fix by retrying is remembered: success and an unusable event. */
function remembered(answer: Result<AppliedEvent>): boolean {
  return answer.ok || answer.code === 'webhook.invalid-event';
}

function sealOwner(webhookId: string): string {
  return `webhook-answer:${webhookId}`;
}

/** The inbound webhook service. */
export function inboundWebhooks(context: ProvisioningContext) {
  const tenants = tenantOperations(context);
  const members = memberOperations(context);

  async function apply(event: InboundEvent): Promise<Result<AppliedEvent>> {
    switch (event.type) {
      case 'tenant.created': {
        const created = await tenants.createTenant(event.data);
        return created.ok ? ok({ status: 'applied', ...created.value }) : created;
      }
      case 'tenant.suspended':
      case 'tenant.reactivated':
      case 'tenant.deleted': {
        const changed = await tenants.setTenantStatus(
          event.data.externalId,
          STATUS_OF[event.type] as AccountStatus,
        );
        return changed.ok
          ? ok({ status: 'applied', accountId: changed.value.accountId, tenantStatus: changed.value.status })
          : changed;
      }
      case 'member.upserted': {
        const upserted = await members.upsertMember(event.data);
        return upserted.ok ? ok({ status: 'applied', ...upserted.value }) : upserted;
      }
      case 'member.removed': {
        const removed = await members.removeMember(event.data);
        return removed.ok ? ok({ status: 'applied', ...removed.value }) : removed;
      }
    }
  }

  function parse(body: string): Result<InboundEvent> {
    const json = parseBoundedJson(body);
    if (!json.ok) return fail('webhook.invalid-event', 'The event body is not JSON (or nests too deep).');
    return parseInboundEvent(json.value);
  }

  function recall(webhookId: string, sealedBody: string): Result<AppliedEvent> {
    const opened = context.iam.secrets.open(sealedBody, sealOwner(webhookId));
    if (!opened.ok) return opened;
    const answer = JSON.parse(opened.value) as Result<AppliedEvent>;
    return answer.ok ? ok(answer.value) : (answer as Failure);
  }

  return {
    /** Receives one delivery; the same webhook-id again answers what it answered first. */
    async receive(delivery: WebhookDelivery, scope: ApplyScope): Promise<Result<AppliedEvent>> {
      const verified = await verifyWebhookDelivery(context, delivery);
      if (!verified.ok) return verified;
      const { webhookId } = verified.value;
      const { store, now } = context.iam;
      const claim = await claimWebhookDelivery(
        store,
        webhookId,
        now(),
        WEBHOOK_CLAIM_LEASE_SECONDS,
        WEBHOOK_ANSWER_RETENTION_SECONDS,
      );
      if (claim.kind === 'answered') return recall(webhookId, claim.answer.sealedBody);
      if (claim.kind === 'in-progress') {
        return fail('webhook.in-progress', `Webhook ${webhookId} is being applied; retry for its answer.`);
      }
      let answer: Result<AppliedEvent> | undefined;
      try {
        const event = parse(delivery.body);
        answer = event.ok ? await scope(event.value, () => apply(event.value)) : event;
      } finally {
        // INVARIANT: a claim ends remembered or released, so a retry is never locked out past its lease.
        if (answer && remembered(answer)) {
          const status = answer.ok ? 200 : 422;
          const sealedBody = context.iam.secrets.seal(JSON.stringify(answer), sealOwner(webhookId));
          const expiresAt = Math.floor(now().getTime() / 1000) + WEBHOOK_ANSWER_RETENTION_SECONDS;
          await rememberWebhookAnswer(store, webhookId, { status, sealedBody }, expiresAt);
        } else {
          await releaseWebhookDelivery(store, webhookId);
        }
      }
      return answer;
    },
  };
}
