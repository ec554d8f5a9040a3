// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${...} inside plain strings.
/**
 * Deterministic generator of realistic identity policies and authorization requests for the
 * engine benchmark: service action lists and wildcards, resource ARNs with wildcards and policy
 * variables, the common global condition keys, some Deny statements, and a request mix that hits
 * allowed, explicit deny and implicit deny. The same seed always yields the same scenario.
 */

/** One IAM statement as written in a policy document. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An identity policy document. */
export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamStatement[];
}

/** A generated managed policy: its ARN and document. */
export interface GeneratedPolicy {
  readonly arn: string;
  readonly document: IamPolicyDocument;
}

/** The IAM user every scenario evaluates as. */
export interface BenchPrincipal {
  readonly arn: string;
  readonly account: string;
  readonly username: string;
  /** The value of the principal tag `team`. */
  readonly team: string;
}

/** Context values as IAM sees them: strings, or lists for multivalued keys. */
export type BenchContext = Readonly<Record<string, string | readonly string[]>>;

/** One authorization question. */
export interface BenchRequest {
  readonly action: string;
  readonly resource: string;
  /** Every resource here lives in the principal's account (S3 ARNs name none, so it is explicit). */
  readonly resourceAccount: string;
  readonly context: BenchContext;
  /** How the generator aimed this request (the engines decide what it actually gets). */
  readonly intent: 'allow-target' | 'deny-target' | 'near-miss' | 'random';
}

/** What a scenario asks for. */
export interface ScenarioSpec {
  readonly name: string;
  readonly seed: number;
  /** Policies attached to the principal. */
  readonly policies: number;
  /** Total statements across the principal's policies (spread evenly, with jitter). */
  readonly statements: number;
  /** Policies in the account the principal's set is selected from (defaults to `policies`). */
  readonly accountPolicies?: number;
  /** Share of Allow statements with conditions. */
  readonly conditionRate: number;
  /** Share of Deny statements. */
  readonly denyRate: number;
  /** Share of statements whose resources use policy variables. */
  readonly variableRate: number;
  readonly requests: number;
}

/** A generated scenario: the principal, its policies, the account around it, and requests. */
export interface Scenario {
  readonly spec: ScenarioSpec;
  readonly principal: BenchPrincipal;
  /** The principal's attached policies, in attachment order. */
  readonly policies: readonly GeneratedPolicy[];
  /** Every policy in the account by ARN (the principal's included). */
  readonly account: ReadonlyMap<string, IamPolicyDocument>;
  /** Policy ARNs attached to each user of the account. */
  readonly attachments: ReadonlyMap<string, readonly string[]>;
  readonly requests: readonly BenchRequest[];
}

/** The four scenarios of issue #3. */
export const SCENARIOS: readonly ScenarioSpec[] = [
  {
    name: 'small',
    seed: 11,
    policies: 3,
    statements: 10,
    conditionRate: 0.3,
    denyRate: 0.2,
    variableRate: 0.1,
    requests: 300,
  },
  {
    name: 'typical',
    seed: 23,
    policies: 10,
    statements: 60,
    conditionRate: 0.5,
    denyRate: 0.15,
    variableRate: 0.2,
    requests: 600,
  },
  {
    name: 'large',
    seed: 37,
    policies: 200,
    statements: 1000,
    conditionRate: 0.5,
    denyRate: 0.05,
    variableRate: 0.2,
    // iam-simulate takes tens of milliseconds per decision here: fewer requests keep the run short.
    requests: 300,
  },
  {
    name: 'wide',
    seed: 41,
    policies: 10,
    statements: 60,
    accountPolicies: 10_000,
    conditionRate: 0.5,
    denyRate: 0.15,
    variableRate: 0.2,
    requests: 600,
  },
];

/** The scenario spec called `name`. */
export function scenarioSpec(name: string): ScenarioSpec {
  const spec = SCENARIOS.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no scenario ${name}`);
  return spec;
}

/** A seeded PRNG (mulberry32) with the few draws the generator needs. */
export interface Random {
  /** A float in [0, 1). */
  readonly next: () => number;
  /** An integer in [0, n). */
  readonly int: (n: number) => number;
  readonly chance: (p: number) => boolean;
  readonly pick: <T>(items: readonly T[]) => T;
  /** `k` distinct items in random order. */
  readonly sample: <T>(items: readonly T[], k: number) => T[];
}

/** Creates a seeded PRNG; the same seed gives the same sequence. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[int(items.length)] as T;
  };
  const sample = <T>(items: readonly T[], k: number): T[] => {
    // A partial Fisher-Yates over positions: k draws, without copying a large list.
    const n = Math.min(k, items.length);
    const swapped = new Map<number, number>();
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      const j = i + int(items.length - i);
      const at = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      out.push(items[at] as T);
    }
    return out;
  };
  return { next, int, chance: (p) => next() < p, pick, sample };
}

const ACCOUNT = '111122223333';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;
const TEAMS = ['payments', 'commerce', 'analytics', 'platform'] as const;
const CORPORATE_CIDRS = ['10.0.0.0/8', '192.0.2.0/24'] as const;
const CURRENT_TIME = '2025-06-01T12:00:00Z';

/** A kind of resource: its ARN shape, its names, and the actions that take it. */
interface ResourceKind {
  readonly service: string;
  readonly actions: readonly string[];
  /** Names (the part a policy wildcards); each belongs to the team its prefix names. */
  readonly names: readonly string[];
  readonly arn: (region: string, name: string) => string;
  /** Regional resources put the region in the ARN; S3 names none. */
  readonly regional: boolean;
  /** Whether requests carry `aws:ResourceTag/team` for this kind. */
  readonly tagged: boolean;
  /** False for kinds only requests use, so some requests fall outside every policy. */
  readonly inPolicies: boolean;
}

const KINDS: readonly ResourceKind[] = [
  {
    service: 's3',
    actions: ['GetObject', 'PutObject', 'DeleteObject', 'GetObjectAcl', 'PutObjectAcl', 'GetObjectTagging'],
    names: [
      'corp-data/reports/2025/q1.csv',
      'corp-data/reports/2025/q2.csv',
      'corp-data/exports/payments-ledger.parquet',
      'corp-home/home/alice/notes.txt',
      'corp-home/home/bob/todo.txt',
      'analytics-raw/events/day=01/part-0.json',
      'analytics-curated/daily/summary.json',
      'public-assets/img/logo.png',
    ],
    arn: (_region, name) => `arn:aws:s3:::${name}`,
    regional: false,
    tagged: false,
    inPolicies: true,
  },
  {
    service: 's3',
    actions: ['ListBucket', 'GetBucketPolicy', 'PutBucketPolicy', 'GetBucketLocation'],
    names: ['corp-data', 'corp-home', 'analytics-raw', 'analytics-curated', 'public-assets'],
    arn: (_region, name) => `arn:aws:s3:::${name}`,
    regional: false,
    tagged: false,
    inPolicies: true,
  },
  {
    service: 'dynamodb',
    actions: [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'DescribeTable',
      'DeleteTable',
      'BatchGetItem',
      'BatchWriteItem',
    ],
    names: [
      'payments-ledger',
      'payments-events',
      'commerce-orders',
      'commerce-orders-archive',
      'analytics-sessions',
      'platform-config',
    ],
    arn: (region, name) => `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'ec2',
    actions: ['StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances'],
    names: ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002', 'i-0f9e8d7c6b5a40003', 'i-0f9e8d7c6b5a40004'],
    arn: (region, name) => `arn:aws:ec2:${region}:${ACCOUNT}:instance/${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'lambda',
    actions: [
      'InvokeFunction',
      'GetFunction',
      'GetFunctionConfiguration',
      'UpdateFunctionCode',
      'DeleteFunction',
    ],
    names: [
      'payments-webhook',
      'payments-settle',
      'commerce-checkout',
      'analytics-report',
      'platform-rotate',
    ],
    arn: (region, name) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'sqs',
    actions: ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes', 'PurgeQueue'],
    names: ['payments-jobs', 'payments-dlq', 'commerce-orders', 'analytics-ingest'],
    arn: (region, name) => `arn:aws:sqs:${region}:${ACCOUNT}:${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'sns',
    actions: ['Publish', 'Subscribe', 'GetTopicAttributes', 'DeleteTopic'],
    names: ['payments-alerts', 'commerce-events', 'platform-alarms'],
    arn: (region, name) => `arn:aws:sns:${region}:${ACCOUNT}:${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'logs',
    actions: ['CreateLogStream', 'PutLogEvents', 'DescribeLogStreams', 'DeleteLogGroup'],
    names: ['/aws/lambda/payments-webhook', '/aws/lambda/commerce-checkout', '/platform/audit'],
    arn: (region, name) => `arn:aws:logs:${region}:${ACCOUNT}:log-group:${name}`,
    regional: true,
    tagged: false,
    inPolicies: true,
  },
  {
    service: 'secretsmanager',
    actions: ['GetSecretValue', 'DescribeSecret', 'PutSecretValue', 'RotateSecret'],
    names: ['payments/stripe-key-a1B2c3', 'commerce/db-password-Zx9Yw8', 'platform/signing-key-Q7r8S9'],
    arn: (region, name) => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}`,
    regional: true,
    tagged: true,
    inPolicies: true,
  },
  {
    service: 'kinesis',
    actions: ['PutRecord', 'GetRecords', 'DescribeStream'],
    names: ['payments-clickstream', 'analytics-firehose'],
    arn: (region, name) => `arn:aws:kinesis:${region}:${ACCOUNT}:stream/${name}`,
    regional: true,
    tagged: true,
    inPolicies: false,
  },
  {
    service: 'states',
    actions: ['StartExecution', 'DescribeStateMachine'],
    names: ['payments-refund-flow', 'commerce-fulfilment'],
    arn: (region, name) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${name}`,
    regional: true,
    tagged: true,
    inPolicies: false,
  },
];

/** The kinds policies are written about. */
const POLICY_KINDS = KINDS.filter((k) => k.inPolicies);

/** Every `service:Action` the generator uses (Cedar needs wildcards expanded against it). */
export const ACTION_CATALOG: readonly string[] = KINDS.flatMap((k) =>
  k.actions.map((a) => `${k.service}:${a}`),
);

/** Action wildcards as people write them, per service. */
const ACTION_WILDCARDS: Readonly<Record<string, readonly string[]>> = {
  s3: ['s3:Get*', 's3:Put*', 's3:*Object', 's3:List*', 's3:*'],
  dynamodb: ['dynamodb:Get*', 'dynamodb:*Item', 'dynamodb:Batch*', 'dynamodb:Describe*', 'dynamodb:*'],
  ec2: ['ec2:*Instances', 'ec2:Start*', 'ec2:Stop*'],
  lambda: ['lambda:Get*', 'lambda:InvokeFunction', 'lambda:*'],
  sqs: ['sqs:*Message', 'sqs:Get*', 'sqs:*'],
  sns: ['sns:Get*', 'sns:*'],
  logs: ['logs:*', 'logs:Describe*', 'logs:Create*'],
  secretsmanager: ['secretsmanager:Get*', 'secretsmanager:Describe*', 'secretsmanager:*'],
};

/** Case-insensitive whole-string IAM wildcard match (`*`, `?`), for the generator's own sampling. */
export function wildcardMatches(pattern: string, text: string, ignoreCase = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'is' : 's').test(text);
}

/** The catalog actions an Action pattern covers. */
export function expandAction(pattern: string): string[] {
  return ACTION_CATALOG.filter((a) => wildcardMatches(pattern, a, true));
}

/** A condition as the generator reasons about it: one operator, one key, its values. */
interface GenCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

interface GenStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly kind: ResourceKind;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: readonly GenCondition[];
}

/** The users of the account: alice is the principal under test. */
function principalFor(username: string, team: string): BenchPrincipal {
  return { arn: `arn:aws:iam::${ACCOUNT}:user/${username}`, account: ACCOUNT, username, team };
}

const ALICE = principalFor('alice', 'payments');

/** Builds a scenario from its spec, deterministically. */
export function generateScenario(spec: ScenarioSpec): Scenario {
  const rng = seededRandom(spec.seed);
  const accountSize = spec.accountPolicies ?? spec.policies;
  const wide = accountSize > spec.policies;
  const account = new Map<string, IamPolicyDocument>();
  const generated: { arn: string; statements: GenStatement[] }[] = [];
  const principalSizes = spread(spec.statements, spec.policies, rng);
  const principalSlots = wide ? rng.sample(range(accountSize), spec.policies) : range(spec.policies);
  const slotSize = new Map(principalSlots.map((slot, i) => [slot, principalSizes[i] as number]));
  for (let i = 0; i < accountSize; i++) {
    const size = slotSize.get(i) ?? 3 + rng.int(6);
    const statements = generatePolicy(rng, spec, size);
    const arn = `arn:aws:iam::${ACCOUNT}:policy/bench/${spec.name}-${String(i).padStart(5, '0')}`;
    account.set(arn, render(statements));
    generated.push({ arn, statements });
  }
  const attachments = new Map<string, string[]>();
  const principalArns = principalSlots.map((slot) => (generated[slot] as { arn: string }).arn);
  attachments.set(ALICE.username, principalArns);
  if (wide) {
    // The rest of the account: other users with ten policies each, so selection is a real lookup.
    const arns = generated.map((g) => g.arn);
    for (let u = 1; u < Math.min(1000, accountSize / spec.policies); u++) {
      attachments.set(`user${u}`, rng.sample(arns, spec.policies));
    }
  }
  const mine = principalSlots.map((slot) => generated[slot] as { arn: string; statements: GenStatement[] });
  const policies = mine.map((g) => ({ arn: g.arn, document: account.get(g.arn) as IamPolicyDocument }));
  const requests = generateRequests(
    rng,
    mine.flatMap((g) => g.statements),
    ALICE,
    spec.requests,
  );
  return { spec, principal: ALICE, policies, account, attachments, requests };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Splits `total` statements over `parts` policies: even, with jitter, each at least one. */
function spread(total: number, parts: number, rng: Random): number[] {
  const base = Math.floor(total / parts);
  const sizes = Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
  for (let i = 0; i < parts; i++) {
    const a = rng.int(parts);
    const b = rng.int(parts);
    const shift = rng.int(2);
    if ((sizes[a] as number) - shift >= 1) {
      sizes[a] = (sizes[a] as number) - shift;
      sizes[b] = (sizes[b] as number) + shift;
    }
  }
  return sizes;
}

function generatePolicy(rng: Random, spec: ScenarioSpec, size: number): GenStatement[] {
  // A policy is usually about one or two services, as real ones are.
  const theme = rng.sample(POLICY_KINDS, 1 + rng.int(2));
  const statements: GenStatement[] = [];
  for (let s = 0; s < size; s++) {
    const kind = rng.chance(0.8) ? rng.pick(theme) : rng.pick(POLICY_KINDS);
    statements.push(rng.chance(spec.denyRate) ? denyStatement(rng, kind) : allowStatement(rng, spec, kind));
  }
  return statements;
}

function allowStatement(rng: Random, spec: ScenarioSpec, kind: ResourceKind): GenStatement {
  const actions = rng.chance(0.35)
    ? [rng.pick(ACTION_WILDCARDS[kind.service] ?? [`${kind.service}:*`])]
    : rng.sample(kind.actions, 1 + rng.int(4)).map((a) => `${kind.service}:${a}`);
  const resources = rng.chance(spec.variableRate)
    ? [variableResource(rng, kind)]
    : rng.sample(kind.names, 1 + rng.int(2)).map((name) => resourcePattern(rng, kind, name));
  const conditions: GenCondition[] = [];
  if (rng.chance(spec.conditionRate)) {
    const count = 1 + rng.int(2);
    for (const make of rng.sample(allowConditionMakers(kind), count)) conditions.push(make(rng));
  }
  return { effect: 'Allow', kind, actions, resources, conditions };
}

/** A resource pattern for a known name: exact, a prefix wildcard, or a region wildcard. */
function resourcePattern(rng: Random, kind: ResourceKind, name: string): string {
  const region = kind.regional && rng.chance(0.4) ? '*' : rng.pick(REGIONS);
  const roll = rng.next();
  if (roll < 0.4) return kind.arn(region, name);
  if (roll < 0.85) {
    // Cut the name at a separator and wildcard the rest: `table/payments-*`, `corp-data/reports/*`.
    const cut = Math.max(name.indexOf('-'), name.indexOf('/'));
    return kind.arn(region, `${cut > 0 ? name.slice(0, cut + 1) : name}*`);
  }
  if (roll < 0.95) return kind.arn(region, '*');
  return '*';
}

function variableResource(rng: Random, kind: ResourceKind): string {
  if (kind.service === 's3') {
    return rng.chance(0.5)
      ? 'arn:aws:s3:::corp-home/home/${aws:username}/*'
      : 'arn:aws:s3:::corp-data/exports/${aws:PrincipalTag/team}-*';
  }
  const region = kind.regional && rng.chance(0.5) ? '*' : rng.pick(REGIONS);
  return kind.arn(region, '${aws:PrincipalTag/team}*');
}

type ConditionMaker = (rng: Random) => GenCondition;

function allowConditionMakers(kind: ResourceKind): ConditionMaker[] {
  const makers: ConditionMaker[] = [
    (rng) => ({
      operator: 'StringEquals',
      key: 'aws:RequestedRegion',
      values: rng.sample(REGIONS, 1 + rng.int(2)),
    }),
    (rng) => ({
      operator: 'IpAddress',
      key: 'aws:SourceIp',
      values: rng.sample(CORPORATE_CIDRS, 1 + rng.int(2)),
    }),
    () => ({ operator: 'Bool', key: 'aws:MultiFactorAuthPresent', values: ['true'] }),
    (rng) => ({
      operator: 'NumericLessThan',
      key: 'aws:MultiFactorAuthAge',
      values: [rng.pick(['900', '3600'])],
    }),
    (rng) => ({
      operator: 'DateGreaterThan',
      key: 'aws:CurrentTime',
      values: [rng.pick(['2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z'])],
    }),
    (rng) => ({
      operator: 'StringLike',
      key: 'aws:PrincipalTag/team',
      values: [rng.pick(['pay*', 'comm*'])],
    }),
  ];
  if (kind.tagged) {
    makers.push(() => ({
      operator: 'StringEquals',
      key: 'aws:ResourceTag/team',
      values: ['${aws:PrincipalTag/team}'],
    }));
  }
  if (kind.service === 's3' && kind.actions.includes('ListBucket')) {
    makers.push(() => ({
      operator: 'StringLike',
      key: 's3:prefix',
      values: ['home/${aws:username}/*', 'shared/*'],
    }));
  }
  return makers;
}

function denyStatement(rng: Random, kind: ResourceKind): GenStatement {
  const destructive = kind.actions.filter((a) => /^(Delete|Terminate|Purge|Put|Update|Rotate)/.test(a));
  const targets = (destructive.length > 0 ? destructive : kind.actions).map((a) => `${kind.service}:${a}`);
  const roll = rng.next();
  if (roll < 0.15) {
    // The classic guard: no plain-HTTP requests for anything.
    return {
      effect: 'Deny',
      kind,
      actions: ['*'],
      resources: ['*'],
      conditions: [{ operator: 'Bool', key: 'aws:SecureTransport', values: ['false'] }],
    };
  }
  if (roll < 0.3) {
    return {
      effect: 'Deny',
      kind,
      actions: [`${kind.service}:*`],
      resources: ['*'],
      conditions: [
        { operator: 'StringNotEquals', key: 'aws:RequestedRegion', values: ['us-east-1', 'eu-west-1'] },
      ],
    };
  }
  if (roll < 0.5) {
    return {
      effect: 'Deny',
      kind,
      actions: rng.sample(targets, 1 + rng.int(2)),
      resources: ['*'],
      conditions: [{ operator: 'BoolIfExists', key: 'aws:MultiFactorAuthPresent', values: ['false'] }],
    };
  }
  if (roll < 0.65) {
    return {
      effect: 'Deny',
      kind,
      actions: rng.sample(targets, 1 + rng.int(2)),
      resources: [resourcePattern(rng, kind, rng.pick(kind.names))],
      conditions: [{ operator: 'NotIpAddress', key: 'aws:SourceIp', values: ['10.0.0.0/8'] }],
    };
  }
  if (roll < 0.75) {
    return {
      effect: 'Deny',
      kind,
      actions: rng.sample(targets, 1),
      resources: [resourcePattern(rng, kind, rng.pick(kind.names))],
      conditions: [{ operator: 'DateLessThan', key: 'aws:CurrentTime', values: ['2024-06-01T00:00:00Z'] }],
    };
  }
  // Unconditional: a destructive action on a protected resource.
  return {
    effect: 'Deny',
    kind,
    actions: rng.sample(targets, 1 + rng.int(2)),
    resources: [kind.arn(kind.regional ? '*' : '', `${rng.pick(kind.names).split(/[-/]/)[0]}*`)],
    conditions: [],
  };
}

function render(statements: readonly GenStatement[]): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: statements.map((s, i) => {
      const condition: Record<string, Record<string, string | readonly string[]>> = {};
      for (const c of s.conditions) {
        const block = condition[c.operator] ?? {};
        block[c.key] = c.values.length === 1 ? (c.values[0] as string) : c.values;
        condition[c.operator] = block;
      }
      return {
        Sid: `S${i}`,
        Effect: s.effect,
        Action: s.actions.length === 1 ? (s.actions[0] as string) : s.actions,
        Resource: s.resources.length === 1 ? (s.resources[0] as string) : s.resources,
        ...(s.conditions.length > 0 ? { Condition: condition } : {}),
      };
    }),
  };
}

/** Every concrete resource of a kind, with its region (S3 ARNs have none). */
function concreteResources(kind: ResourceKind): { arn: string; region: string; name: string }[] {
  const regions = kind.regional ? REGIONS : ['us-east-1'];
  return regions.flatMap((region) =>
    kind.names.map((name) => ({ arn: kind.arn(region, name), region, name })),
  );
}

const TEAM_OF_NAME = (name: string) => TEAMS.find((t) => name.startsWith(t));

/** Replaces policy variables with the principal's values. */
function substitute(text: string, principal: BenchPrincipal): string {
  return text
    .replaceAll('${aws:username}', principal.username)
    .replaceAll('${aws:PrincipalTag/team}', principal.team);
}

function generateRequests(
  rng: Random,
  statements: readonly GenStatement[],
  principal: BenchPrincipal,
  count: number,
): BenchRequest[] {
  const allows = statements.filter((s) => s.effect === 'Allow');
  const denies = statements.filter((s) => s.effect === 'Deny');
  const requests: BenchRequest[] = [];
  while (requests.length < count) {
    const roll = rng.next();
    let request: BenchRequest | undefined;
    if (roll < 0.45 && allows.length > 0)
      request = targeted(rng, rng.pick(allows), principal, 'allow-target');
    else if (roll < 0.6 && denies.length > 0)
      request = targeted(rng, rng.pick(denies), principal, 'deny-target');
    else if (roll < 0.8 && allows.length > 0)
      request = targeted(rng, rng.pick(allows), principal, 'near-miss');
    else request = randomRequest(rng, principal);
    if (request !== undefined) requests.push(request);
  }
  return requests;
}

/** A request built to match a statement (or, for a near miss, to fail one of its parts). */
function targeted(
  rng: Random,
  statement: GenStatement,
  principal: BenchPrincipal,
  intent: BenchRequest['intent'],
): BenchRequest | undefined {
  const actionPattern = rng.pick(statement.actions);
  const expanded = expandAction(actionPattern);
  // Prefer actions on the statement's own kind of resource, so the resource pattern can match.
  const ownKind = expanded.filter((a) => kindOf(a) === statement.kind);
  const actionChoices = ownKind.length > 0 ? ownKind : expanded;
  if (actionChoices.length === 0) return undefined;
  const action = rng.pick(actionChoices);
  const kind = kindOf(action);
  const pattern = substitute(rng.pick(statement.resources), principal);
  const all = concreteResources(kind);
  const matching = all.filter((r) => pattern === '*' || wildcardMatches(pattern, r.arn));
  const missResource = intent === 'near-miss' && rng.chance(0.4);
  const pool = missResource ? all.filter((r) => !matching.includes(r)) : matching;
  const chosen = pool.length > 0 ? rng.pick(pool) : rng.pick(all);
  const context = baseContext(rng, principal, kind, chosen);
  for (const condition of statement.conditions) satisfy(context, condition, principal, chosen.region);
  if (intent === 'near-miss' && !missResource && statement.conditions.length > 0) {
    violate(context, rng.pick(statement.conditions), principal);
  }
  return { action, resource: chosen.arn, resourceAccount: ACCOUNT, context, intent };
}

function kindOf(action: string): ResourceKind {
  const [service, name] = action.split(':');
  const kind = KINDS.find((k) => k.service === service && k.actions.includes(name ?? ''));
  if (kind === undefined) throw new Error(`no resource kind for ${action}`);
  return kind;
}

function randomRequest(rng: Random, principal: BenchPrincipal): BenchRequest {
  // Half the random requests go to services no policy mentions: implicit denies even in large sets.
  const kind = rng.chance(0.5) ? rng.pick(KINDS.filter((k) => !k.inPolicies)) : rng.pick(POLICY_KINDS);
  const action = `${kind.service}:${rng.pick(kind.actions)}`;
  const chosen = rng.pick(concreteResources(kind));
  return {
    action,
    resource: chosen.arn,
    resourceAccount: ACCOUNT,
    context: baseContext(rng, principal, kind, chosen),
    intent: 'random',
  };
}

/** The context a typical request carries, with some variety (no MFA, outside IPs, plain HTTP). */
function baseContext(
  rng: Random,
  principal: BenchPrincipal,
  kind: ResourceKind,
  resource: { region: string; name: string },
): Record<string, string | readonly string[]> {
  const mfa = rng.chance(0.75);
  const context: Record<string, string | readonly string[]> = {
    'aws:username': principal.username,
    'aws:PrincipalArn': principal.arn,
    'aws:PrincipalAccount': principal.account,
    'aws:PrincipalTag/team': principal.team,
    'aws:SourceIp': rng.chance(0.8)
      ? `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`
      : rng.pick(['192.0.2.44', '203.0.113.9', '198.51.100.20']),
    'aws:SecureTransport': rng.chance(0.95) ? 'true' : 'false',
    'aws:MultiFactorAuthPresent': mfa ? 'true' : 'false',
    'aws:CurrentTime': rng.chance(0.9) ? CURRENT_TIME : '2023-11-15T08:30:00Z',
    'aws:RequestedRegion': rng.chance(0.8) ? resource.region : rng.pick(REGIONS),
  };
  if (mfa) context['aws:MultiFactorAuthAge'] = String(rng.pick([120, 1800, 7200]));
  if (kind.tagged) {
    const team = TEAM_OF_NAME(resource.name);
    if (team !== undefined) context['aws:ResourceTag/team'] = team;
  }
  if (kind.service === 's3' && kind.actions.includes('ListBucket')) {
    context['s3:prefix'] = rng.pick([`home/${principal.username}/`, 'home/bob/', 'shared/docs/', 'reports/']);
  }
  return context;
}

/** Sets the condition's key to a value that satisfies it. */
function satisfy(
  context: Record<string, string | readonly string[]>,
  c: GenCondition,
  principal: BenchPrincipal,
  region: string,
): void {
  const first = substitute(c.values[0] as string, principal);
  switch (c.operator) {
    case 'StringEquals':
      if (c.key === 'aws:RequestedRegion' && c.values.includes(region)) context[c.key] = region;
      else context[c.key] = first;
      return;
    case 'StringNotEquals':
      context[c.key] = REGIONS.find((r) => !c.values.includes(r)) ?? 'ap-south-1';
      return;
    case 'StringLike':
      // The principal's own tag is fixed; it either fits the pattern or it does not.
      if (c.key !== 'aws:PrincipalTag/team') context[c.key] = first.replaceAll('*', 'x/');
      return;
    case 'IpAddress':
      context[c.key] = first.startsWith('10.') ? '10.20.30.40' : '192.0.2.10';
      return;
    case 'NotIpAddress':
      context[c.key] = '203.0.113.77';
      return;
    case 'NumericLessThan':
      context[c.key] = String(Math.floor(Number(first) / 2));
      context['aws:MultiFactorAuthPresent'] = 'true';
      return;
    case 'Bool':
    case 'BoolIfExists':
      context[c.key] = first;
      if (c.key === 'aws:MultiFactorAuthPresent' && first === 'false')
        delete context['aws:MultiFactorAuthAge'];
      return;
    case 'DateGreaterThan':
      context[c.key] = CURRENT_TIME;
      return;
    case 'DateLessThan':
      context[c.key] = '2023-11-15T08:30:00Z';
      return;
    default:
      throw new Error(`generator cannot satisfy ${c.operator}`);
  }
}

/** Sets the condition's key to a value that fails it (or removes it). */
function violate(
  context: Record<string, string | readonly string[]>,
  c: GenCondition,
  principal: BenchPrincipal,
): void {
  switch (c.operator) {
    case 'StringEquals':
      if (c.key === 'aws:ResourceTag/team') delete context[c.key];
      else context[c.key] = REGIONS.find((r) => !c.values.includes(r)) ?? 'ap-south-1';
      return;
    case 'StringLike':
      if (c.key !== 'aws:PrincipalTag/team') context[c.key] = `home/${principal.username}x/`;
      return;
    case 'IpAddress':
      context[c.key] = '203.0.113.9';
      return;
    case 'NumericLessThan':
      context[c.key] = '86400';
      return;
    case 'Bool':
      context[c.key] = 'false';
      delete context['aws:MultiFactorAuthAge'];
      return;
    case 'DateGreaterThan':
      context[c.key] = '2023-11-15T08:30:00Z';
      return;
    default:
      return;
  }
}
