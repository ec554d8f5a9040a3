/**
 * The service catalog port: service namespaces with their actions, resource types and condition
 * keys. It is plain data the consumer stores (the operator's or a tenant's registrations) and
 * passes to validation; without an entry for a service, any `service:Action` is accepted.
 */

/** Condition key types, as AWS's Service Authorization Reference names them (the one list). */
export const CONDITION_KEY_TYPES = [
  'String',
  'ArrayOfString',
  'Numeric',
  'ArrayOfNumeric',
  'Date',
  'ArrayOfDate',
  'Bool',
  'ArrayOfBool',
  'IPAddress',
  'ArrayOfIPAddress',
  'ARN',
  'ArrayOfARN',
  'Binary',
  'ArrayOfBinary',
] as const;

/** One condition key type. */
export type ConditionKeyType = (typeof CONDITION_KEY_TYPES)[number];

/** One service namespace. */
export interface ServiceDefinition {
  /** The prefix used in actions and keys, e.g. `iam`. */
  readonly prefix: string;
  readonly actions: readonly string[];
  /** Resource types with their ARN patterns, e.g. `arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`. */
  readonly resourceTypes?: readonly { readonly name: string; readonly arnPattern: string }[];
  /** Condition keys; a `/${TagKey}`-style suffix matches any tag key. */
  readonly conditionKeys?: readonly { readonly name: string; readonly type: ConditionKeyType }[];
  /**
   * The action-specific keys each action's requests carry (global keys aside), when the service
   * says: validation warns on a condition whose key none of its statement's actions ever carries.
   */
  readonly actionConditionKeys?: Readonly<Record<string, readonly string[]>>;
}

/** The catalog: service definitions, looked up by prefix (case-insensitive). */
export type ServiceCatalog = readonly ServiceDefinition[];

/** Finds a service by prefix. */
export function findService(
  catalog: ServiceCatalog | undefined,
  prefix: string,
): ServiceDefinition | undefined {
  const wanted = prefix.toLowerCase();
  return catalog?.find((s) => s.prefix.toLowerCase() === wanted);
}

/** Says whether a key matches a catalog key name (tag-style names match any suffix after `/`). */
export function conditionKeyMatches(name: string, key: string): boolean {
  const lowerName = name.toLowerCase();
  const wanted = key.toLowerCase();
  const slash = lowerName.indexOf('/');
  return slash === -1
    ? lowerName === wanted
    : wanted.startsWith(lowerName.slice(0, slash + 1)) && wanted.length > slash + 1;
}

/** Finds a condition key's definition (tag-style keys match on the part before `/`). */
export function findConditionKey(
  service: ServiceDefinition,
  key: string,
): { readonly name: string; readonly type: ConditionKeyType } | undefined {
  return service.conditionKeys?.find((k) => conditionKeyMatches(k.name, key));
}

/** The closest candidate by edit distance (case-insensitive), if it is close enough to suggest. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min(
          (previous[j] as number) + 1,
          (current[j - 1] as number) + 1,
          (previous[j - 1] as number) + cost,
        ),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
