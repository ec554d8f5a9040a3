import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { getPrincipal, putNewAccount } from '@palisade/store';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConflictEmulator, installConflictEmulator } from '../../../test/fixtures/conflict-emulator.ts';
import { createIamTestContext } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import type { IamContext } from '../src/iam-context.ts';
import { iamOperations } from '../src/index.ts';
import { removePrincipal } from '../src/principal-lifecycle.ts';

const NOW = new Date('2026-12-08T12:00:00Z');
const A = '100000000031';
let ops: OperationTable;
let root: Caller;
let emulator: ConflictEmulator | undefined;
let dynamodb: Parameters<typeof installConflictEmulator>[0];
let iam: IamContext;

beforeAll(async () => {
  const context = await createIamTestContext('policy-uses', () => NOW);
  iam = context;
  dynamodb = context.store.dynamodb;
  ops = iamOperations(context);
  await putNewAccount(context.store, { accountId: A, alias: 'policy-uses', createdAt: NOW.toISOString() });
  root = rootCaller('aws', A);
});
afterEach(() => {
  emulator?.uninstall();
  emulator = undefined;
});

const call = (action: string, input: object) => runOperation(ops, root, action, input);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);
const document = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});

async function usesOf(arn: string) {
  const { Policy } = await must<{
    Policy: { AttachmentCount: number; PermissionsBoundaryUsageCount: number };
  }>('GetPolicy', { PolicyArn: arn });
  return { attachments: Policy.AttachmentCount, boundaries: Policy.PermissionsBoundaryUsageCount };
}

async function listed(
  input: object,
): Promise<Record<string, { AttachmentCount: number; PermissionsBoundaryUsageCount: number }>> {
  const { Policies } = await must<{
    Policies: { PolicyName: string; AttachmentCount: number; PermissionsBoundaryUsageCount: number }[];
  }>('ListPolicies', { Scope: 'Local', ...input });
  return Object.fromEntries(
    Policies.map((p) => [
      p.PolicyName,
      { AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount },
    ]),
  );
}

describe('managed policy use counts', () => {
  it('counts attachments and boundary uses exactly after concurrent attach, detach, boundary set and unset', async () => {
    const arnOf = async (name: string) =>
      (
        await must<{ Policy: { Arn: string } }>('CreatePolicy', {
          PolicyName: name,
          PolicyDocument: document,
        })
      ).Policy.Arn;
    const shared = await arnOf('mixed-shared');
    const other = await arnOf('mixed-other');
    await arnOf('mixed-unused');
    const users = Array.from({ length: 24 }, (_, i) => `mixed-${i}`);
    // Users 0–11 start attached to `shared`; 12–17 start with `shared` as their boundary.
    for (const [i, user] of users.entries()) {
      await must('CreateUser', {
        UserName: user,
        ...(i >= 12 && i < 18 ? { PermissionsBoundary: shared } : {}),
      });
      if (i < 12) await must('AttachUserPolicy', { UserName: user, PolicyArn: shared });
    }
    for (const role of ['mixed-role', 'mixed-bounded-role']) {
      await must('CreateRole', {
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      });
    }
    expect(await usesOf(shared)).toEqual({ attachments: 12, boundaries: 6 });

    emulator = installConflictEmulator(dynamodb, { holdMs: 3 });
    // Each call changes a different principal: calls on one principal would rightly collide.
    const results = await Promise.all([
      // Detach from 0–5 (−6 attachments), attach to 18–23 (+6), a role (+1), and `other` to 9–11.
      ...users.slice(0, 6).map((user) => call('DetachUserPolicy', { UserName: user, PolicyArn: shared })),
      ...users.slice(18).map((user) => call('AttachUserPolicy', { UserName: user, PolicyArn: shared })),
      call('AttachRolePolicy', { RoleName: 'mixed-role', PolicyArn: shared }),
      ...users.slice(9, 12).map((user) => call('AttachUserPolicy', { UserName: user, PolicyArn: other })),
      // Boundaries: 12–13 removed (−2), 14–15 moved to `other`, 6–8 set to `shared` (+3).
      ...users.slice(12, 14).map((user) => call('DeleteUserPermissionsBoundary', { UserName: user })),
      ...users
        .slice(14, 16)
        .map((user) => call('PutUserPermissionsBoundary', { UserName: user, PermissionsBoundary: other })),
      ...users
        .slice(6, 9)
        .map((user) => call('PutUserPermissionsBoundary', { UserName: user, PermissionsBoundary: shared })),
      // Setting the same boundary again moves nothing.
      call('PutUserPermissionsBoundary', { UserName: users[16], PermissionsBoundary: shared }),
      call('PutRolePermissionsBoundary', { RoleName: 'mixed-bounded-role', PermissionsBoundary: shared }),
    ]);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(emulator.conflictsByItem()).toEqual([]);
    emulator.uninstall();
    emulator = undefined;

    expect(await usesOf(shared)).toEqual({ attachments: 13, boundaries: 6 });
    expect(await usesOf(other)).toEqual({ attachments: 3, boundaries: 2 });
    expect(await listed({ OnlyAttached: true })).toEqual({
      'mixed-shared': { AttachmentCount: 13, PermissionsBoundaryUsageCount: 6 },
      'mixed-other': { AttachmentCount: 3, PermissionsBoundaryUsageCount: 2 },
    });
    expect(Object.keys(await listed({}))).toContain('mixed-unused');
    expect(
      Object.keys(await listed({ OnlyAttached: true, PolicyUsageFilter: 'PermissionsBoundary' })).sort(),
    ).toEqual(['mixed-other', 'mixed-shared']);

    // Giving every use back makes the policy deletable; until then DeletePolicy is a DeleteConflict.
    const inUse = {
      ok: false,
      code: 'entity.delete-conflict',
      message: 'Cannot delete a policy attached to entities or in use as a permissions boundary.',
    };
    expect(await call('DeletePolicy', { PolicyArn: other })).toEqual(inUse);
    for (const user of users.slice(9, 12))
      await must('DetachUserPolicy', { UserName: user, PolicyArn: other });
    await must('DeleteUserPermissionsBoundary', { UserName: users[14] });
    expect(await call('DeletePolicy', { PolicyArn: other })).toEqual(inUse);
    // Deleting a user gives its boundary use back.
    await must('DeleteUser', { UserName: users[15] });
    expect(await usesOf(other)).toEqual({ attachments: 0, boundaries: 0 });
    expect(await call('DeletePolicy', { PolicyArn: other })).toEqual({ ok: true, value: undefined });
    expect(await call('GetPolicy', { PolicyArn: other })).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  }, 120_000);

  it('refuses to delete a user whose boundary changed since it was read, so the right use is given back', async () => {
    const arnOf = async (name: string) =>
      (
        await must<{ Policy: { Arn: string } }>('CreatePolicy', {
          PolicyName: name,
          PolicyDocument: document,
        })
      ).Policy.Arn;
    const [first, second] = [await arnOf('race-first'), await arnOf('race-second')];
    await must('CreateUser', { UserName: 'race-user', PermissionsBoundary: first });
    const stale = await getPrincipal(iam.store, A, 'user', 'race-user');
    if (!stale) throw new Error('race-user was not created');
    // Between DeleteUser's read and its write, the boundary moves to another policy.
    await must('PutUserPermissionsBoundary', { UserName: 'race-user', PermissionsBoundary: second });

    expect(await removePrincipal(iam, stale)).toMatchObject({
      ok: false,
      code: 'entity.concurrent-modification',
    });
    expect(await usesOf(first)).toEqual({ attachments: 0, boundaries: 0 });
    expect(await usesOf(second)).toEqual({ attachments: 0, boundaries: 1 });
    // Read afresh, the deletion goes through and gives the second policy's use back.
    await must('DeleteUser', { UserName: 'race-user' });
    expect(await usesOf(second)).toEqual({ attachments: 0, boundaries: 0 });
  });
});
