/** The kinds of policy IAM evaluates, each with its own grammar rules. */
export type PolicyType = 'identity' | 'resource' | 'trust' | 'boundary' | 'session' | 'scp' | 'rcp';

/** Every policy type, in evaluation-report order. */
export const POLICY_TYPES: readonly PolicyType[] = [
  'scp',
  'rcp',
  'resource',
  'trust',
  'identity',
  'boundary',
  'session',
];

/** Policy types whose statements name a principal (resource-based policies). */
export function namesPrincipals(type: PolicyType): boolean {
  return type === 'resource' || type === 'trust' || type === 'rcp';
}
