/**
 * The operator's inbound webhook secrets (Standard Webhooks `whsec_…`): shown once, stored sealed
 * with the secret box (verification needs the secret itself), several live at once so the back
 * office can rotate. A delivery verifies when any live secret's signature matches.
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@palisade/credentials';
import { fail, ok, type Result } from '@palisade/failures';
import type { Caller } from '@palisade/principals';
import {
  deleteWebhookSecret,
  listWebhookSecrets,
  MAX_WEBHOOK_SECRETS,
  provisioningKeyPatterns,
  putWebhookSecret,
} from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import type { ProvisioningContext } from './provisioning-context.ts';

/** A new secret: the only time its value is shown. */
export interface CreatedWebhookSecret {
  readonly secretId: string;
  readonly secret: string;
  readonly createdAt: string;
}

/** How far a webhook's timestamp may be from the platform's clock (Standard Webhooks' tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Refuses anyone but the operator. */
export function operatorOnly(caller: Caller): Result<void> {
  return caller.kind === 'operator'
    ? ok(undefined)
    : fail(
        'access.denied',
        `User: ${caller.arn} is not authorized to manage provisioning: only the operator may.`,
      );
}

// The box binds each sealed secret to its id, so a sealed value cannot be moved to another id.
const sealOwner = (secretId: string) => `webhook-secret:${secretId}`;

/** The operator's webhook secret operations. */
export function webhookSecretOperations(context: ProvisioningContext) {
  const { store, secrets, now } = context.iam;
  return {
    /** Creates a secret; its value is in this answer only. */
    async createSecret(caller: Caller): Promise<Result<CreatedWebhookSecret>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      if ((await listWebhookSecrets(store)).length >= MAX_WEBHOOK_SECRETS) {
        return fail(
          'quota.exceeded',
          `At most ${MAX_WEBHOOK_SECRETS} webhook secrets may be live; delete one.`,
        );
      }
      const secretId = randomBytes(10).toString('hex');
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const createdAt = now().toISOString();
      const stored = await putWebhookSecret(store, {
        secretId,
        sealedSecret: secrets.seal(secret, sealOwner(secretId)),
        createdAt,
      });
      return stored.ok ? ok({ secretId, secret, createdAt }) : stored;
    },

    /** Lists the live secrets' ids and creation times (never a value). */
    async listSecrets(caller: Caller): Promise<Result<{ secretId: string; createdAt: string }[]>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      const listed = await listWebhookSecrets(store);
      return ok(listed.map(({ secretId, createdAt }) => ({ secretId, createdAt })));
    },

    /** Deletes a secret: deliveries signed with it stop verifying at once. */
    async deleteSecret(caller: Caller, secretId: string): Promise<Result<void>> {
      const allowed = operatorOnly(caller);
      if (!allowed.ok) return allowed;
      if (!provisioningKeyPatterns.webhookSecretId.test(secretId)) {
        return fail('entity.not-found', `Webhook secret ${secretId} does not exist.`);
      }
      return deleteWebhookSecret(store, secretId);
    },
  };
}

/** A delivery as received: its Standard Webhooks headers and the exact body bytes as text. */
export interface WebhookDelivery {
  readonly headers: { readonly id?: string; readonly timestamp?: string; readonly signature?: string };
  readonly body: string;
}

/** A delivery whose signature verified: its id and the secret that signed it. */
export interface VerifiedDelivery {
  readonly webhookId: string;
  readonly secretId: string;
}

const INVALID = 'The webhook signature, id or timestamp is missing or invalid.';
const MAX_WEBHOOK_ID = 256;

/**
 * Verifies a delivery's timestamp against the platform's clock (±5 minutes, Standard Webhooks'
 * tolerance) and its signature against every live secret, signed by the `standardwebhooks`
 * package and compared in constant time. Any problem is the same 401.
 */
export async function verifyWebhookDelivery(
  context: ProvisioningContext,
  delivery: WebhookDelivery,
): Promise<Result<VerifiedDelivery>> {
  const { id, timestamp, signature } = delivery.headers;
  if (!id || !timestamp || !signature || id.length > MAX_WEBHOOK_ID || signature.length > 4096) {
    return fail('webhook.invalid-signature', INVALID);
  }
  const sentAt = Number(timestamp);
  const nowSeconds = Math.floor(context.iam.now().getTime() / 1000);
  // The library checks the tolerance against the wall clock; this checks it against the platform's.
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - sentAt) > WEBHOOK_TOLERANCE_SECONDS) {
    return fail('webhook.invalid-signature', 'The webhook timestamp is more than 5 minutes off.');
  }
  const signedAt = new Date(sentAt * 1000);
  // Up to a few signatures (`v1,<base64>` separated by spaces: the sender's own rotation).
  const offered = signature.split(' ').slice(0, 8);
  for (const stored of await listWebhookSecrets(context.iam.store)) {
    const secret = context.iam.secrets.open(stored.sealedSecret, sealOwner(stored.secretId));
    // INVARIANT: fail closed: a secret that cannot be opened verifies nothing.
    if (!secret.ok) continue;
    // The package computes the signature (its HMAC, not ours); the comparison is here, not in its
    // verify(), because verify() judges the timestamp by the wall clock and the platform's clock
    // (checked above) is the one that counts.
    const expected = new Webhook(secret.value).sign(id, signedAt, delivery.body);
    if (offered.some((candidate) => constantTimeEqual(candidate, expected))) {
      return ok({ webhookId: id, secretId: stored.secretId });
    }
  }
  return fail('webhook.invalid-signature', INVALID);
}
