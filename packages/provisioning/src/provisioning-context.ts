/**
 * What the provisioning services need: IAM's context and operations (the one write path for
 * tenants and their identities), the operator's account operations, and the knobs tests turn.
 */

import type { IamContext, IamOperations, tenantAccountOperations } from '@palisade/iam';

/** Dependencies of every provisioning service. */
export interface ProvisioningContext {
  readonly iam: IamContext;
  /** IAM's operations, as the IAM API serves them. */
  readonly operations: IamOperations;
  /** The operator's account operations, as the accounts API serves them. */
  readonly accounts: ReturnType<typeof tenantAccountOperations>;
  /** How long a setup token works (default 7 days). */
  readonly setupTokenTtlSeconds?: number;
  /**
   * A failure point for tests: called before each step of building a tenant (blueprint items,
   * owner); a throw there is a crash half-way.
   */
  readonly beforeBuildStep?: (step: string) => void;
}

/** Seven days, the contract's default setup-token lifetime. */
export const DEFAULT_SETUP_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
