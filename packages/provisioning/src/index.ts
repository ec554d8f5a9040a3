/** Provisioning: signed inbound webhooks that create and manage tenants from blueprints, and owners' setup. */
import { blueprintOperations } from './blueprints.ts';
import { inboundWebhooks } from './inbound-webhooks.ts';
import type { ProvisioningContext } from './provisioning-context.ts';
import { completeSetup, type SetupRequest } from './setup-tokens.ts';
import { tenantOperations } from './tenants.ts';
import { webhookSecretOperations } from './webhook-secrets.ts';

export * from './blueprints.ts';
export * from './event-types.ts';
export * from './inbound-webhooks.ts';
export * from './members.ts';
export * from './provisioning-context.ts';
export * from './setup-tokens.ts';
export * from './tenant-building.ts';
export * from './tenants.ts';
export * from './webhook-secrets.ts';

/** Every provisioning operation, built once over one context. */
export function provisioningService(context: ProvisioningContext) {
  return {
    secrets: webhookSecretOperations(context),
    blueprints: blueprintOperations(context),
    webhooks: inboundWebhooks(context),
    tenants: tenantOperations(context),
    /** Sets an owner's first password with its setup token. */
    completeSetup: (request: SetupRequest) => completeSetup(context, request),
  };
}

/** The provisioning service, as the API calls it. */
export type ProvisioningService = ReturnType<typeof provisioningService>;
