/**
 * Tags of managed policies, OIDC providers and virtual MFA devices, on DynamoDB Local: IAM's merge
 * and removal rules, its 50-tag limit, paging, the tags as authorization context, and concurrent
 * taggers that never lose each other's tags.
 */
import { type Caller, type OperationTable, rootCaller } from '@palisade/principals';
import { putNewAccount } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamTestContext, loadUserCaller } from '../../../test/fixtures/iam-context.ts';
import { mustRunOperation, runOperation } from '../../../test/fixtures/run-operation.ts';
import { type IamContext, iamOperations, oidcProviderOperations } from '../src/index.ts';
import { mergeTags, removeTags, tagPage } from '../src/resource-tagging.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const A = '100000000152';
const root = rootCaller('aws', A);
const POLICY = `arn:aws:iam::${A}:policy/tagged`;
const PROVIDER = `arn:aws:iam::${A}:oidc-provider/idp.example.com`;
let iam: IamContext;
let ops: OperationTable;
const call = (caller: Caller, action: string, input: object) => runOperation(ops, caller, action, input);
const must = <T = Record<string, unknown>>(action: string, input: object) =>
  mustRunOperation<T>(ops, root, action, input);
const tag = (Key: string, Value = 'v') => ({ Key, Value });
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const tagsOf = async (action: string, input: object) =>
  (await must<{ Tags: { Key: string; Value: string }[] }>(action, input)).Tags;

beforeAll(async () => {
  iam = await createIamTestContext('resource-tags', () => NOW);
  ops = { ...iamOperations(iam), ...oidcProviderOperations(iam, { allowLoopbackIssuers: false }) };
  await putNewAccount(iam.store, { accountId: A, alias: 'tags-a', createdAt: NOW.toISOString() });
  await must('CreatePolicy', {
    PolicyName: 'tagged',
    PolicyDocument: doc({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }),
    Tags: [tag('team', 'red')],
  });
  await must('CreateOpenIDConnectProvider', {
    Url: 'https://idp.example.com',
    ThumbprintList: ['a'.repeat(40)],
    Tags: [tag('env', 'prod')],
  });
});

describe('tag rules', () => {
  it('merges tags case-insensitively, the new value winning, and removes keys in any case', () => {
    const merged = mergeTags([tag('Team', 'red'), tag('env')], [tag('team', 'blue'), tag('owner')]);
    expect(merged).toEqual({ ok: true, value: [tag('env'), tag('team', 'blue'), tag('owner')] });
    expect(removeTags([tag('Team'), tag('env')], ['TEAM'])).toEqual([tag('env')]);
  });

  it('refuses a 51st tag', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => tag(`k${i}`));
    expect(mergeTags(fifty, [tag('k0', 'again')])).toMatchObject({ ok: true });
    expect(mergeTags(fifty, [tag('k50')])).toMatchObject({ ok: false, code: 'quota.exceeded' });
  });

  it('pages tags with an opaque marker and refuses a marker it did not issue', () => {
    const all = [tag('a'), tag('b'), tag('c')];
    const first = tagPage(all, undefined, 2);
    expect(first).toMatchObject({ ok: true, value: { Tags: [tag('a'), tag('b')], IsTruncated: true } });
    const marker = first.ok ? first.value.Marker : undefined;
    expect(tagPage(all, marker, 2)).toEqual({ ok: true, value: { Tags: [tag('c')], IsTruncated: false } });
    expect(tagPage(all, 'bm90LWEtbWFya2Vy', 2)).toMatchObject({ ok: false, code: 'request.invalid' });
  });
});

describe('TagPolicy, UntagPolicy, ListPolicyTags', () => {
  it('adds, replaces and removes a policy’s tags', async () => {
    await must('TagPolicy', { PolicyArn: POLICY, Tags: [tag('TEAM', 'blue'), tag('cost', '42')] });
    expect(await tagsOf('ListPolicyTags', { PolicyArn: POLICY })).toEqual([
      tag('TEAM', 'blue'),
      tag('cost', '42'),
    ]);
    await must('UntagPolicy', { PolicyArn: POLICY, TagKeys: ['Cost'] });
    expect(await tagsOf('ListPolicyTags', { PolicyArn: POLICY })).toEqual([tag('TEAM', 'blue')]);
    const read = await must<{ Policy: { Tags: unknown } }>('GetPolicy', { PolicyArn: POLICY });
    expect(read.Policy.Tags).toEqual([tag('TEAM', 'blue')]);
  });

  it('refuses aws: keys, more than 50 tags and unknown policies, changing nothing', async () => {
    const reserved = await call(root, 'TagPolicy', { PolicyArn: POLICY, Tags: [tag('aws:team')] });
    expect(reserved).toMatchObject({ ok: false });
    expect(reserved.ok ? '' : reserved.message).toContain('aws:');
    const many = Array.from({ length: 50 }, (_, i) => tag(`k${i}`));
    expect(await call(root, 'TagPolicy', { PolicyArn: POLICY, Tags: many })).toMatchObject({
      ok: false,
      code: 'quota.exceeded',
    });
    expect(await call(root, 'ListPolicyTags', { PolicyArn: `arn:aws:iam::${A}:policy/ghost` })).toMatchObject(
      {
        ok: false,
        code: 'entity.not-found',
      },
    );
    expect(await tagsOf('ListPolicyTags', { PolicyArn: POLICY })).toEqual([tag('TEAM', 'blue')]);
  });

  it('refuses to tag an operator-managed policy', async () => {
    const admin = 'arn:aws:iam::palisade:policy/AdministratorAccess';
    expect(await call(root, 'TagPolicy', { PolicyArn: admin, Tags: [tag('x')] })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });

  it('never loses a tag to a concurrent TagPolicy: each call lands or is refused', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(root, 'TagPolicy', { PolicyArn: POLICY, Tags: [tag(`c${i}`)] }),
      ),
    );
    const landed = results.flatMap((result, i) => (result.ok ? [`c${i}`] : []));
    const refused = results.filter((result) => !result.ok);
    expect(landed.length).toBeGreaterThan(0);
    for (const result of refused) expect(result).toMatchObject({ code: 'entity.concurrent-modification' });
    const keys = (await tagsOf('ListPolicyTags', { PolicyArn: POLICY })).map((t) => t.Key);
    expect(keys.filter((key) => key.startsWith('c')).sort()).toEqual(landed.sort());
  });
});

describe('tags of OIDC providers and MFA devices', () => {
  it('tags and untags an OIDC provider, and GetOpenIDConnectProvider shows them', async () => {
    await must('TagOpenIDConnectProvider', {
      OpenIDConnectProviderArn: PROVIDER,
      Tags: [tag('owner', 'sec')],
    });
    await must('UntagOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER, TagKeys: ['env'] });
    expect(await tagsOf('ListOpenIDConnectProviderTags', { OpenIDConnectProviderArn: PROVIDER })).toEqual([
      tag('owner', 'sec'),
    ]);
    expect(await tagsOf('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: PROVIDER })).toEqual([
      tag('owner', 'sec'),
    ]);
  });

  it('keeps CreateVirtualMFADevice’s tags and changes them with Tag/UntagMFADevice', async () => {
    const created = await must<{ VirtualMFADevice: { SerialNumber: string; Tags: unknown } }>(
      'CreateVirtualMFADevice',
      { VirtualMFADeviceName: 'phone', Tags: [tag('kind', 'phone')] },
    );
    const serial = created.VirtualMFADevice.SerialNumber;
    expect(created.VirtualMFADevice.Tags).toEqual([tag('kind', 'phone')]);
    expect(await tagsOf('ListMFADeviceTags', { SerialNumber: serial })).toEqual([tag('kind', 'phone')]);
    await must('TagMFADevice', { SerialNumber: serial, Tags: [tag('owner', 'ann')] });
    await must('UntagMFADevice', { SerialNumber: serial, TagKeys: ['KIND'] });
    expect(await tagsOf('ListMFADeviceTags', { SerialNumber: serial })).toEqual([tag('owner', 'ann')]);
    const listed = await must<{ VirtualMFADevices: { SerialNumber: string; Tags?: unknown }[] }>(
      'ListVirtualMFADevices',
      {},
    );
    expect(listed.VirtualMFADevices.find((d) => d.SerialNumber === serial)?.Tags).toEqual([
      tag('owner', 'ann'),
    ]);
    expect(
      await call(root, 'ListMFADeviceTags', { SerialNumber: `arn:aws:iam::${A}:mfa/ghost` }),
    ).toMatchObject({
      ok: false,
      code: 'entity.not-found',
    });
  });
});

describe('tags as authorization context', () => {
  it('allows tagging only resources whose tags the policy names, and denies request tags it forbids', async () => {
    await must('CreatePolicy', {
      PolicyName: 'blue',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }),
      Tags: [tag('TEAM', 'green')],
    });
    await must('CreateUser', { UserName: 'tagger' });
    await must('PutUserPolicy', {
      UserName: 'tagger',
      PolicyName: 'tagging',
      PolicyDocument: doc(
        {
          Effect: 'Allow',
          Action: ['iam:TagPolicy', 'iam:CreateVirtualMFADevice'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/TEAM': 'blue' } },
        },
        {
          Effect: 'Allow',
          Action: 'iam:CreateVirtualMFADevice',
          Resource: '*',
        },
        {
          Effect: 'Deny',
          Action: ['iam:TagPolicy', 'iam:CreateVirtualMFADevice'],
          Resource: '*',
          Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } },
        },
      ),
    });
    const tagger = await loadUserCaller(iam.store, A, 'tagger', () => NOW);
    expect(await call(tagger, 'TagPolicy', { PolicyArn: POLICY, Tags: [tag('x')] })).toMatchObject({
      ok: true,
    });
    const green = `arn:aws:iam::${A}:policy/blue`;
    expect(await call(tagger, 'TagPolicy', { PolicyArn: green, Tags: [tag('x')] })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    expect(await call(tagger, 'TagPolicy', { PolicyArn: POLICY, Tags: [tag('owner')] })).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
    expect(
      await call(tagger, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'owned', Tags: [tag('owner')] }),
    ).toMatchObject({ ok: false, code: 'access.denied' });
    expect(await tagsOf('ListPolicyTags', { PolicyArn: green })).toEqual([tag('TEAM', 'green')]);
  });
});
