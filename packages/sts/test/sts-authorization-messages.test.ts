import type { DeniedRequest } from '@palisade/failures';
import { type Caller, denialOf } from '@palisade/principals';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationMessageSealer,
  DECODED_MESSAGE_LIMIT,
  ENCODED_MESSAGE_LIMIT,
  type SealAuthorizationMessage,
} from '../src/index.ts';
import { A, B, createStsFixture, type StsFixture } from './sts-fixture.ts';

let f: StsFixture;
let seal: SealAuthorizationMessage;
let dana: Caller;
let decoder: Caller;

interface Decoded {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: { items: { statementId: string; effect: string; policyType: string }[] };
  context: {
    principal: { id: string; name: string; arn: string };
    action: string;
    resource: string;
    conditions: { items: { key: string; values: { items: { value: string }[] } }[] };
  };
}

/** Dana's denial of `action`, as an interface would seal it into the AccessDenied answer. */
function encodedDenial(action: string, resource: string): string {
  const denied = denialOf(dana, action, resource, { externalId: 'secret-ext' });
  if (!denied?.authorization) throw new Error('no denial facts');
  const encoded = seal(denied.authorization);
  if (!encoded) throw new Error('not sealed');
  return encoded;
}
const decode = (caller: Caller, EncodedMessage: string) =>
  f.call(f.stsOps, caller, 'DecodeAuthorizationMessage', { EncodedMessage });

beforeAll(async () => {
  f = await createStsFixture('sts-authz-msg');
  seal = authorizationMessageSealer(f.sts.secrets);
  dana = await f.userWithPolicy(A, 'dana', {
    name: 'no-deletes',
    statement: { Sid: 'NoDeletes', Effect: 'Deny', Action: 'iam:Delete*', Resource: '*' },
  });
  decoder = await f.userWithPolicy(A, 'decoder', {
    name: 'decode',
    statement: { Effect: 'Allow', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' },
  });
});

describe('DecodeAuthorizationMessage', () => {
  it('decodes an explicit deny: the principal, action, resource, deciding statement and context', async () => {
    const encoded = encodedDenial('iam:DeleteUser', `arn:aws:iam::${A}:user/erin`);
    expect(encoded.length).toBeLessThanOrEqual(ENCODED_MESSAGE_LIMIT);
    const answer = await f.must<{ DecodedMessage: string }>(f.stsOps, decoder, 'DecodeAuthorizationMessage', {
      EncodedMessage: encoded,
    });
    const decoded = JSON.parse(answer.DecodedMessage) as Decoded;
    expect(decoded).toMatchObject({
      allowed: false,
      explicitDeny: true,
      matchedStatements: { items: [{ statementId: 'NoDeletes', effect: 'DENY', policyType: 'identity' }] },
      context: {
        principal: { arn: `arn:aws:iam::${A}:user/dana`, name: 'dana' },
        action: 'iam:DeleteUser',
        resource: `arn:aws:iam::${A}:user/erin`,
      },
    });
    expect(decoded.context.principal.id).toMatch(/^AIDA/);
    const keys = Object.fromEntries(decoded.context.conditions.items.map((c) => [c.key, c.values.items]));
    expect(keys['aws:PrincipalArn']).toEqual([{ value: `arn:aws:iam::${A}:user/dana` }]);
    expect(keys['aws:username']).toEqual([{ value: 'dana' }]);
  });

  it('decodes an implicit deny with no matched statement, and never carries an ExternalId', async () => {
    const encoded = encodedDenial('sts:AssumeRole', `arn:aws:iam::${B}:role/x`);
    const answer = await f.must<{ DecodedMessage: string }>(f.stsOps, f.rootA, 'DecodeAuthorizationMessage', {
      EncodedMessage: encoded,
    });
    expect(answer.DecodedMessage).not.toContain('secret-ext');
    const decoded = JSON.parse(answer.DecodedMessage) as Decoded;
    expect(decoded).toMatchObject({ allowed: false, explicitDeny: false, matchedStatements: { items: [] } });
    expect(decoded.context.conditions.items).toContainEqual({ key: 'sts:ExternalId', values: { items: [] } });
  });

  it('opens only for callers of the same account allowed sts:DecodeAuthorizationMessage', async () => {
    const encoded = encodedDenial('iam:DeleteRole', `arn:aws:iam::${A}:role/r`);
    expect(await decode(f.rootB, encoded)).toMatchObject({
      ok: false,
      code: 'sts.invalid-authorization-message',
    });
    expect(await decode(dana, encoded)).toMatchObject({ ok: false, code: 'access.denied' });
    const flipped = `${encoded.slice(0, -2)}${encoded.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const message of [flipped, 'not-a-message', `${encoded}x`]) {
      expect(await decode(decoder, message)).toMatchObject({
        ok: false,
        code: 'sts.invalid-authorization-message',
      });
    }
    expect(await decode(decoder, 'x'.repeat(ENCODED_MESSAGE_LIMIT + 1))).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
  });

  it('cuts an oversized denial to fit the EncodedMessage limit, dropping conditions first', async () => {
    const context: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++)
      context[`aws:PrincipalTag/k${String(i).padStart(3, '0')}`] = ['v'.repeat(400)];
    const denied: DeniedRequest = {
      accountId: A,
      principal: { id: 'AIDAEXAMPLE', name: 'big', arn: `arn:aws:iam::${A}:user/big` },
      action: 'iam:ListUsers',
      resource: '*',
      explicitDeny: false,
      matchedStatements: [],
      failures: [],
      context,
    };
    const encoded = seal(denied) ?? '';
    expect(encoded.length).toBeGreaterThan(0);
    expect(encoded.length).toBeLessThanOrEqual(ENCODED_MESSAGE_LIMIT);
    const answer = await f.must<{ DecodedMessage: string }>(f.stsOps, f.rootA, 'DecodeAuthorizationMessage', {
      EncodedMessage: encoded,
    });
    expect(answer.DecodedMessage.length).toBeLessThanOrEqual(DECODED_MESSAGE_LIMIT);
    const decoded = JSON.parse(answer.DecodedMessage) as Decoded;
    expect(decoded.context.action).toBe('iam:ListUsers');
    const kept = decoded.context.conditions.items;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(100);
    expect(kept[0]).toEqual({
      key: 'aws:PrincipalTag/k000',
      values: { items: [{ value: 'v'.repeat(256) }] },
    });
  });
});
