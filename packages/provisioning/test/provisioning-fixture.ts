/**
 * Provisioning over a fresh table at a clock the test moves: the services, the operator, and
 * deliveries signed with the `standardwebhooks` package as a back office signs them.
 */
import { randomUUID } from 'node:crypto';
import { iamOperations, tenantAccountOperations } from '@palisade/iam';
import { operatorCaller } from '@palisade/principals';
import {
  type ApplyScope,
  type ProvisioningContext,
  provisioningService,
  type WebhookDelivery,
} from '@palisade/provisioning';
import { withChangeOrigin } from '@palisade/store';
import { Webhook } from 'standardwebhooks';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';

/** Where every bench's clock starts: far from the wall clock, so only the platform's can be judging. */
export const PINNED = new Date('2026-03-01T09:00:00.000Z');

/** The operator, as its signed requests authenticate. */
export const OPERATOR = operatorCaller('AKIAOPERATOR0000TEST');

/** A provisioning test bench: its services, its clock, and a failure point tests may arm. */
export interface ProvisioningBench {
  readonly context: ProvisioningContext;
  readonly service: ReturnType<typeof provisioningService>;
  /** The platform's clock, pinned (the wall clock plays no part). */
  now(): Date;
  /** Moves the platform's clock. */
  setNow(at: Date): void;
  /** A delivery signed at the platform's clock (or `options.at`). */
  sign(secret: string, event: TestEvent, options?: { id?: string; at?: Date }): WebhookDelivery;
  /** Throws before the build step whose name matches, once. */
  failBefore(step: RegExp): void;
  /** Creates a live secret and returns its `whsec_…` value. */
  newSecret(): Promise<{ secretId: string; secret: string }>;
}

/** Builds the bench over a new table. */
export async function createProvisioningBench(prefix: string): Promise<ProvisioningBench> {
  let now = PINNED;
  let armed: RegExp | undefined;
  const iam = await createIamTestContext(prefix, () => now);
  const context: ProvisioningContext = {
    iam,
    operations: iamOperations(iam),
    accounts: tenantAccountOperations(iam),
    beforeBuildStep(step) {
      if (armed?.test(step)) {
        armed = undefined;
        throw new Error(`injected crash before ${step}`);
      }
    },
  };
  const service = provisioningService(context);
  return {
    context,
    service,
    now: () => now,
    setNow(at) {
      now = at;
    },
    sign: (secret, event, options = {}) => signedDelivery(secret, event, { at: now, ...options }),
    failBefore(step) {
      armed = step;
    },
    async newSecret() {
      const created = await service.secrets.createSecret(OPERATOR);
      if (!created.ok) throw new Error(created.message);
      return created.value;
    },
  };
}

/** An event as a test sends it. */
export type TestEvent = { readonly type: string; readonly data: unknown };

/** A delivery of `event` signed with `secret` at `at` (Standard Webhooks, via the package). */
export function signedDelivery(
  secret: string,
  event: TestEvent,
  options: { id?: string; at: Date },
): WebhookDelivery {
  const { at } = options;
  const id = options.id ?? `msg_${randomUUID()}`;
  const body = JSON.stringify({ timestamp: at.toISOString(), ...event });
  return {
    headers: {
      id,
      timestamp: String(Math.floor(at.getTime() / 1000)),
      signature: new Webhook(secret).sign(id, at, body),
    },
    body,
  };
}

/** Applies an event inside a provisioning change origin, as the API's runAsChange does. */
export const provisioningScope: ApplyScope = (event, apply) =>
  withChangeOrigin({ via: 'provisioning', operation: event.type, requestId: `test-${randomUUID()}` }, apply);
