/**
 * The SCIM schemas Palisade serves (RFC 7643 §4, §8.7): User with the enterprise extension, and
 * Group. One declaration serves three purposes: the `/Schemas` documents, the shape a resource is
 * reduced to before it is kept (unknown attributes dropped, `"True"`/`"False"` read as booleans,
 * wrong types refused), and the attributes a PATCH path may name.
 */
import { fail, ok, type Result } from '@palisade/failures';

/** The core User schema URN. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** The enterprise User extension URN. */
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The core Group schema URN. */
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** A list response's schema URN. */
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** An error body's schema URN. */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** A PATCH request's schema URN. */
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type AttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';

/** One attribute of a schema, as RFC 7643 §7 describes it (defaults: single, optional, readWrite). */
interface AttributeSpec {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: 'readOnly' | 'readWrite' | 'immutable';
  readonly uniqueness?: 'none' | 'server';
  readonly description?: string;
  readonly subAttributes?: readonly AttributeSpec[];
}

const str = (name: string, extra: Partial<AttributeSpec> = {}): AttributeSpec => ({
  name,
  type: 'string',
  ...extra,
});
const multi = (name: string, subAttributes: readonly AttributeSpec[]): AttributeSpec => ({
  name,
  type: 'complex',
  multiValued: true,
  subAttributes,
});
const typedValue = [str('value'), str('display'), str('type'), { name: 'primary', type: 'boolean' } as const];

const USER_ATTRIBUTES: readonly AttributeSpec[] = [
  str('userName', {
    required: true,
    uniqueness: 'server',
    description: "The IAM user's name: 1-64 letters, digits and +=,.@_- (unique case-insensitively).",
  }),
  {
    name: 'name',
    type: 'complex',
    subAttributes: [
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ].map((name) => str(name)),
  },
  ...['displayName', 'nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'].map((name) =>
    str(name),
  ),
  { name: 'profileUrl', type: 'reference' },
  { name: 'active', type: 'boolean', description: "False stops the user's keys, password and sessions." },
  multi('emails', typedValue),
  multi('phoneNumbers', typedValue),
  multi('addresses', [
    ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((name) =>
      str(name),
    ),
    { name: 'primary', type: 'boolean' },
  ]),
  {
    ...multi('groups', [str('value'), { name: '$ref', type: 'reference' }, str('display'), str('type')]),
    mutability: 'readOnly',
  },
];

const ENTERPRISE_ATTRIBUTES: readonly AttributeSpec[] = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((name) => str(name)),
  {
    name: 'manager',
    type: 'complex',
    subAttributes: [
      str('value'),
      { name: '$ref', type: 'reference' },
      str('displayName', { mutability: 'readOnly' }),
    ],
  },
];

const GROUP_ATTRIBUTES: readonly AttributeSpec[] = [
  str('displayName', { required: true, description: 'Kept as sent; the IAM group name is derived from it.' }),
  multi('members', [
    str('value', { mutability: 'immutable' }),
    { name: '$ref', type: 'reference' },
    str('display'),
    str('type'),
  ]),
];

// Common to every resource (RFC 7643 §3.1): id and meta are the server's, externalId the client's.
const COMMON: readonly AttributeSpec[] = [str('externalId', { caseExact: true })];

/** The schema URN → attributes table, for reducing and checking resources. */
const SCHEMAS: Readonly<Record<string, readonly AttributeSpec[]>> = {
  [USER_SCHEMA]: [...COMMON, ...USER_ATTRIBUTES],
  [ENTERPRISE_SCHEMA]: ENTERPRISE_ATTRIBUTES,
  [GROUP_SCHEMA]: [...COMMON, ...GROUP_ATTRIBUTES],
};

/** The resource types Palisade serves. */
export type ScimResourceType = 'User' | 'Group';

const CORE: Readonly<Record<ScimResourceType, string>> = { User: USER_SCHEMA, Group: GROUP_SCHEMA };
const EXTENSIONS: Readonly<Record<ScimResourceType, readonly string[]>> = {
  User: [ENTERPRISE_SCHEMA],
  Group: [],
};

function findAttribute(specs: readonly AttributeSpec[], name: string): AttributeSpec | undefined {
  const lower = name.toLowerCase();
  return specs.find((spec) => spec.name.toLowerCase() === lower);
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  // Entra sends booleans as the strings "True" and "False".
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

const MAX_STRING = 2048;
const MAX_VALUES = 50;

/** One value reduced to its spec: unknown sub-attributes dropped, types checked (path names the value). */
function reduceValue(spec: AttributeSpec, value: unknown, path: string): Result<unknown> {
  if (value === null) return ok(undefined);
  if (spec.multiValued) {
    const values = Array.isArray(value) ? value : [value];
    if (values.length > MAX_VALUES)
      return fail('scim.invalid-value', `${path} has more than ${MAX_VALUES} values.`);
    const reduced: unknown[] = [];
    for (const one of values) {
      const single = reduceValue({ ...spec, multiValued: false }, one, path);
      if (!single.ok) return single;
      if (single.value !== undefined) reduced.push(single.value);
    }
    return ok(reduced);
  }
  switch (spec.type) {
    case 'boolean': {
      const flag = booleanOf(value);
      return flag === undefined ? fail('scim.invalid-value', `${path} must be a boolean.`) : ok(flag);
    }
    case 'complex': {
      // Entra sends a manager (a complex attribute with a `value`) as the bare id string.
      if (typeof value === 'string' && findAttribute(spec.subAttributes ?? [], 'value'))
        return reduceObject(spec.subAttributes ?? [], { value }, path);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail('scim.invalid-value', `${path} must be an object.`);
      return reduceObject(spec.subAttributes ?? [], value as Record<string, unknown>, path);
    }
    default:
      if (typeof value !== 'string') return fail('scim.invalid-value', `${path} must be a string.`);
      if (value.length > MAX_STRING)
        return fail('scim.invalid-value', `${path} is longer than ${MAX_STRING} characters.`);
      return ok(value);
  }
}

function reduceObject(
  specs: readonly AttributeSpec[],
  value: Readonly<Record<string, unknown>>,
  path: string,
): Result<Record<string, unknown>> {
  const reduced: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const spec = findAttribute(specs, key);
    // Unknown attributes are ignored, as RFC 7644 §3.3 allows (and Entra expects of PATCH).
    if (!spec || spec.mutability === 'readOnly') continue;
    const kept = reduceValue(spec, inner, path ? `${path}.${spec.name}` : spec.name);
    if (!kept.ok) return kept;
    if (kept.value !== undefined) reduced[spec.name] = kept.value;
  }
  return ok(reduced);
}

/**
 * A resource as sent, reduced to what the schemas declare (attribute names in their canonical case,
 * extension attributes under their URN, booleans as booleans); a value of the wrong type is
 * `scim.invalid-value`. Server-owned attributes (id, meta, schemas, read-only ones) are dropped.
 */
export function reduceResource(
  type: ScimResourceType,
  resource: Readonly<Record<string, unknown>>,
): Result<Record<string, unknown>> {
  const core = reduceObject(SCHEMAS[CORE[type]] ?? [], resource, '');
  if (!core.ok) return core;
  for (const urn of EXTENSIONS[type]) {
    const key = Object.keys(resource).find((name) => name.toLowerCase() === urn.toLowerCase());
    const extension = key === undefined ? undefined : resource[key];
    if (extension === undefined || extension === null) continue;
    if (typeof extension !== 'object' || Array.isArray(extension))
      return fail('scim.invalid-value', `${urn} must be an object.`);
    const reduced = reduceObject(SCHEMAS[urn] ?? [], extension as Record<string, unknown>, urn);
    if (!reduced.ok) return reduced;
    if (Object.keys(reduced.value).length > 0) core.value[urn] = reduced.value;
  }
  return core;
}

/**
 * True when a PATCH path names an attribute the resource type declares (`emails[type eq "work"].value`,
 * `name.givenName`, `urn:…:enterprise:2.0:User:manager`); paths naming anything else are no-ops.
 */
export function isKnownPath(type: ScimResourceType, path: string): boolean {
  const lower = path.toLowerCase();
  let specs = SCHEMAS[CORE[type]] ?? [];
  let rest = path;
  for (const urn of [CORE[type], ...EXTENSIONS[type]]) {
    if (lower.startsWith(`${urn.toLowerCase()}:`)) {
      specs = SCHEMAS[urn] ?? [];
      rest = path.slice(urn.length + 1);
    }
  }
  const first = /^([A-Za-z$][\w$-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
  if (!first) return false;
  const spec = findAttribute(specs, first[1] as string);
  if (!spec || spec.mutability === 'readOnly') return false;
  return first[2] === undefined || findAttribute(spec.subAttributes ?? [], first[2]) !== undefined;
}

function schemaAttribute(spec: AttributeSpec): Record<string, unknown> {
  return {
    name: spec.name,
    type: spec.type,
    multiValued: spec.multiValued ?? false,
    description: spec.description ?? spec.name,
    required: spec.required ?? false,
    caseExact: spec.caseExact ?? false,
    mutability: spec.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: spec.uniqueness ?? 'none',
    ...(spec.type === 'reference' ? { referenceTypes: ['external'] } : {}),
    ...(spec.subAttributes ? { subAttributes: spec.subAttributes.map(schemaAttribute) } : {}),
  };
}

const SCHEMA_NAMES: Readonly<Record<string, string>> = {
  [USER_SCHEMA]: 'User',
  [ENTERPRISE_SCHEMA]: 'EnterpriseUser',
  [GROUP_SCHEMA]: 'Group',
};

/** The `/Schemas` resources (RFC 7643 §7), at `baseUrl`. */
export function schemaDocuments(baseUrl: string): Record<string, unknown>[] {
  return Object.entries(SCHEMAS).map(([id, attributes]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name: SCHEMA_NAMES[id],
    description: `${SCHEMA_NAMES[id]} as Palisade keeps it`,
    attributes: attributes.map(schemaAttribute),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  }));
}

/** The `/ResourceTypes` resources (RFC 7643 §6), at `baseUrl`. */
export function resourceTypeDocuments(baseUrl: string): Record<string, unknown>[] {
  return (['User', 'Group'] as const).map((type) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type,
    name: type,
    endpoint: `/${type}s`,
    description: type === 'User' ? 'An IAM user of the account' : 'An IAM group of the account',
    schema: CORE[type],
    schemaExtensions: EXTENSIONS[type].map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type}` },
  }));
}

/** The `/ServiceProviderConfig` resource (RFC 7643 §5): what this server supports. */
export function serviceProviderConfig(baseUrl: string, limits: { maxResults: number; maxBytes: number }) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: limits.maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A SCIM token from POST /v1/scim/tokens, as Authorization: Bearer <token>.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
