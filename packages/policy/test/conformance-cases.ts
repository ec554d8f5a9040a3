/**
 * Reads the iam-simulate core-engine corpus (AGPL data, read in place at test time, never copied)
 * and maps each case onto evaluateRequest's contract.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { conformanceCorpus } from '../../../test/fixtures/conformance-corpus.ts';

/** The corpus location (see test/fixtures/conformance-corpus.ts). */
export const CORPUS_DIR = conformanceCorpus('iam-simulate-cases/core-engine').dir;

/** One case as stored upstream (only the fields the runner reads). */
export interface CorpusCase {
  readonly name: string;
  readonly skip?: boolean;
  readonly request: {
    readonly principal: string | { readonly type: string };
    readonly action: string;
    readonly resource: { readonly resource: string; readonly accountId: string };
    readonly context?: Record<string, string | string[]>;
    readonly wildcardOnlyAction?: boolean;
  };
  readonly identityPolicies: unknown[];
  readonly sessionPolicy?: unknown;
  readonly permissionBoundaries?: unknown[];
  readonly resourcePolicy?: unknown;
  readonly serviceControlPolicies?: { orgIdentifier: string; policies: unknown[] }[];
  readonly resourceControlPolicies?: { orgIdentifier: string; policies: unknown[] }[];
  readonly endpointPolicies?: unknown[];
  readonly simulation?: { readonly mode: string };
  readonly expected: { readonly response: string; readonly blockedBy?: string[] };
}

/** A case with the file it came from. */
export interface LoadedCase {
  readonly file: string;
  readonly case: CorpusCase;
}

/** Loads every case, or returns undefined when the corpus is absent. */
export function loadCorpus(): LoadedCase[] | undefined {
  if (!existsSync(CORPUS_DIR)) return undefined;
  const out: LoadedCase[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) {
        for (const c of JSON.parse(readFileSync(path, 'utf8')) as CorpusCase[]) {
          out.push({ file: relative(CORPUS_DIR, path), case: c });
        }
      }
    }
  };
  walk(CORPUS_DIR);
  return out;
}

const ALLOW_ALL_RCP = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};

/** Maps a corpus case onto the evaluateRequest contract. */
export function toContractRequest(c: CorpusCase): Record<string, unknown> {
  const r = c.request;
  return {
    principal: typeof r.principal === 'string' ? r.principal : 'anonymous',
    action: r.action,
    resource: r.resource.resource,
    resourceAccount: r.resource.accountId,
    context: r.context ?? {},
    // Upstream, a `*` resource for an action that has resource types means "some resource".
    anyResource: r.resource.resource === '*' && r.wildcardOnlyAction !== true,
    identityPolicies: c.identityPolicies,
    ...(c.resourcePolicy !== undefined ? { resourcePolicy: c.resourcePolicy } : {}),
    ...(c.permissionBoundaries !== undefined ? { permissionsBoundaries: c.permissionBoundaries } : {}),
    ...(c.sessionPolicy !== undefined ? { sessionPolicies: [c.sessionPolicy] } : {}),
    ...(c.serviceControlPolicies !== undefined
      ? { serviceControlPolicies: c.serviceControlPolicies.map((level) => level.policies) }
      : {}),
    ...(c.resourceControlPolicies !== undefined
      ? {
          resourceControlPolicies: c.resourceControlPolicies.map((level) => [
            ALLOW_ALL_RCP,
            ...level.policies,
          ]),
        }
      : {}),
  };
}

/** Upstream result words to ours. */
export const EXPECTED_DECISION: Record<string, string> = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny',
};

/** Upstream blockedBy names to our policy types. */
export const BLOCKED_BY: Record<string, string> = {
  scp: 'scp',
  rcp: 'rcp',
  identity: 'identity',
  resource: 'resource',
  pb: 'boundary',
  vpce: 'vpce',
  's3-bpa': 's3-bpa',
};
