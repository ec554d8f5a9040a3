/**
 * The JSON contract any tool can drive: one request object in, one result object out. Policy
 * documents may be objects or JSON text; ids are derived from their position unless given as
 * `{ "id": ..., "document": ... }`. A malformed request is answered with an error value.
 */
import { MAX_JSON_DEPTH, parseBoundedJson } from './bounded-json.ts';
import type { PolicyInput } from './compile.ts';
import {
  compilePrincipalPolicies,
  compileResourcePolicies,
  type Decision,
  type Explanation,
  evaluate,
} from './evaluate.ts';
import type { ContextInput } from './request-context.ts';

/** A successful answer. */
export interface EvaluateResult {
  readonly decision: Decision;
  readonly explanation: Omit<Explanation, 'decision'>;
}

/** An answer to a request that could not be understood. */
export interface EvaluateError {
  readonly error: { readonly code: 'request.invalid' | 'request.malformed-body'; readonly message: string };
}

/** Evaluates one request in the JSON contract's shape. Never throws. */
export function evaluateRequest(input: unknown): EvaluateResult | EvaluateError {
  if (typeof input === 'string') {
    const parsed = parseBoundedJson(input);
    if (!parsed.ok) {
      return parsed.reason === 'too-deep'
        ? invalid('request.invalid', `The request nests deeper than ${MAX_JSON_DEPTH} levels.`)
        : invalid('request.malformed-body', 'The request is not valid JSON.');
    }
    return evaluateRequest(parsed.value);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return invalid('request.invalid', 'The request must be a JSON object.');
  }
  const body = input as Record<string, unknown>;
  for (const field of ['principal', 'action', 'resource'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') {
      return invalid('request.invalid', `The request needs a string "${field}".`);
    }
  }
  if (!Array.isArray(body.identityPolicies)) {
    return invalid('request.invalid', 'The request needs an "identityPolicies" array.');
  }
  if (body.resourceAccount !== undefined && typeof body.resourceAccount !== 'string') {
    return invalid('request.invalid', '"resourceAccount" must be a string.');
  }
  const context = body.context;
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    return invalid('request.invalid', '"context" must be an object.');
  }
  const list = (name: string): PolicyInput[] | undefined | EvaluateError => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return invalid('request.invalid', `"${name}" must be an array.`);
    return value.map((doc, i) => policyInput(doc, `${name}[${i}]`));
  };
  const levels = (name: string): PolicyInput[][] | undefined | EvaluateError => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every(Array.isArray)) {
      return invalid('request.invalid', `"${name}" must be an array of arrays (one per level, root first).`);
    }
    return value.map((level: unknown[], l) => level.map((doc, i) => policyInput(doc, `${name}[${l}][${i}]`)));
  };
  const identityPolicies = list('identityPolicies');
  const permissionsBoundaries = list('permissionsBoundaries');
  const sessionPolicies = list('sessionPolicies');
  const serviceControlPolicies = levels('serviceControlPolicies');
  const resourceControlPolicies = levels('resourceControlPolicies');
  for (const part of [
    identityPolicies,
    permissionsBoundaries,
    sessionPolicies,
    serviceControlPolicies,
    resourceControlPolicies,
  ]) {
    if (part !== undefined && 'error' in part) return part;
  }
  const resourcePolicyType = body.resourcePolicyType === 'trust' ? 'trust' : 'resource';
  const principalPolicies = compilePrincipalPolicies({
    identityPolicies: identityPolicies as PolicyInput[],
    ...(permissionsBoundaries !== undefined
      ? { permissionsBoundaries: permissionsBoundaries as PolicyInput[] }
      : {}),
    ...(sessionPolicies !== undefined ? { sessionPolicies: sessionPolicies as PolicyInput[] } : {}),
    ...(serviceControlPolicies !== undefined
      ? { serviceControlPolicies: serviceControlPolicies as PolicyInput[][] }
      : {}),
  });
  const resourcePolicies = compileResourcePolicies({
    ...(body.resourcePolicy !== undefined && body.resourcePolicy !== null
      ? { resourcePolicy: policyInput(body.resourcePolicy, 'resourcePolicy') }
      : {}),
    resourcePolicyType,
    ...(resourceControlPolicies !== undefined
      ? { resourceControlPolicies: resourceControlPolicies as PolicyInput[][] }
      : {}),
  });
  const { decision, ...explanation } = evaluate(
    {
      principal: body.principal as string,
      action: body.action as string,
      resource: body.resource as string,
      ...(typeof body.resourceAccount === 'string' ? { resourceAccount: body.resourceAccount } : {}),
      ...(context !== undefined ? { context: context as ContextInput } : {}),
      ...(body.anyResource === true ? { anyResource: true } : {}),
    },
    principalPolicies,
    resourcePolicies,
  );
  return { decision, explanation };
}

function policyInput(doc: unknown, fallbackId: string): PolicyInput {
  if (
    typeof doc === 'object' &&
    doc !== null &&
    !Array.isArray(doc) &&
    'document' in doc &&
    !('Statement' in doc)
  ) {
    const wrapped = doc as { id?: unknown; document: unknown };
    return { id: typeof wrapped.id === 'string' ? wrapped.id : fallbackId, document: wrapped.document };
  }
  return { id: fallbackId, document: doc };
}

function invalid(code: EvaluateError['error']['code'], message: string): EvaluateError {
  return { error: { code, message } };
}
