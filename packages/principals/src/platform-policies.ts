/**
 * Operator-managed policies: shared by every account and published as AWS managed policies
 * (`arn:<partition>:iam::aws:policy/<name>`, which Terraform's ARN check accepts; the earlier
 * `arn:<partition>:iam::palisade:policy/<name>` is still accepted on input). They are part of the
 * platform's code, versioned with it, so no tenant can change them.
 */
import { entityArn, PLATFORM_POLICY_ACCOUNT } from './arns.ts';

/** An operator-managed policy. */
export interface PlatformPolicy {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly description: string;
  readonly versionId: string;
  readonly document: string;
  readonly createdAt: string;
}

const definitions: readonly PlatformPolicy[] = [
  {
    name: 'AdministratorAccess',
    path: '/',
    id: 'ANPAPALISADEADMINACCE',
    description: 'Provides full access to Palisade and every resource of the account.',
    versionId: 'v1',
    createdAt: '2026-11-01T00:00:00Z',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
  },
  {
    name: 'ReadOnlyAccess',
    path: '/',
    id: 'ANPAPALISADEREADONLYA',
    description: "Provides read-only access to the account's identities, policies and decisions.",
    versionId: 'v1',
    createdAt: '2026-11-01T00:00:00Z',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'iam:Get*',
            'iam:List*',
            'iam:Simulate*',
            'iam:GenerateCredentialReport',
            'sts:GetCallerIdentity',
            'palisade:Get*',
            'palisade:List*',
            'palisade:Authorize',
          ],
          Resource: '*',
        },
      ],
    }),
  },
];

/** Every operator-managed policy, in name order. */
export function listPlatformPolicies(): readonly PlatformPolicy[] {
  return definitions;
}

/** An operator-managed policy by name (case-insensitive), if there is one. */
export function findPlatformPolicy(name: string): PlatformPolicy | undefined {
  const lower = name.toLowerCase();
  return definitions.find((policy) => policy.name.toLowerCase() === lower);
}

/** The ARN of an operator-managed policy. */
export function platformPolicyArn(partition: string, policy: PlatformPolicy): string {
  return entityArn(partition, PLATFORM_POLICY_ACCOUNT, 'policy', policy.path, policy.name);
}
