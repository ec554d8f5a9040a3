import {
  tenantRoot,
  WEBHOOK_ANSWER_RETENTION_SECONDS,
  WEBHOOK_CLAIM_LEASE_SECONDS,
  type WebhookDelivery,
} from '@palisade/provisioning';
import { claimWebhookDelivery, getPrincipal, listAccounts, listChangeRecords } from '@palisade/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { mustRunOperation } from '../../../test/fixtures/run-operation.ts';
import {
  createProvisioningBench,
  OPERATOR,
  PINNED,
  type ProvisioningBench,
  provisioningScope,
} from './provisioning-fixture.ts';

const BLUEPRINT = {
  policies: [
    {
      name: 'read-docs',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'docs:Read', Resource: '*' }],
      },
    },
  ],
  groups: [
    {
      name: 'admins',
      policies: [
        {
          name: 'all',
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        },
      ],
    },
    { name: 'readers', policies: [] },
  ],
  roles: [
    {
      name: 'support',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
        ],
      },
      policies: [],
    },
  ],
};

let bench: ProvisioningBench;
let secret: string;

beforeAll(async () => {
  bench = await createProvisioningBench('provisioning');
  secret = (await bench.newSecret()).secret;
  const put = await bench.service.blueprints.putBlueprint(OPERATOR, 'starter', BLUEPRINT);
  expect(put.ok).toBe(true);
});

const receive = (delivery: WebhookDelivery) => bench.service.webhooks.receive(delivery, provisioningScope);

async function accountCount(): Promise<number> {
  return (await listAccounts(bench.context.iam.store, { limit: 1000 })).accounts.length;
}

function asRoot(accountId: string, action: string, input: object) {
  return mustRunOperation<Record<string, unknown>>(
    bench.context.operations,
    tenantRoot(bench.context, accountId),
    action,
    input,
  );
}

describe('inbound webhooks: verification', () => {
  it('refuses a bad signature, a missing header and a timestamp more than 5 minutes off, changing nothing', async () => {
    const before = await accountCount();
    const event = { type: 'tenant.created', data: { externalId: 'ext-refused', alias: 'refused-co' } };
    const other = await createProvisioningBench('provisioning-other');
    const foreign = other.sign((await other.newSecret()).secret, event);
    const stale = bench.sign(secret, event, { at: new Date(bench.now().getTime() - 6 * 60_000) });
    const unsigned = { ...bench.sign(secret, event), headers: { id: 'msg_x', timestamp: '1' } };
    for (const delivery of [foreign, stale, unsigned]) {
      const answer = await receive(delivery);
      expect(answer.ok ? 'applied' : answer.code).toBe('webhook.invalid-signature');
    }
    // The platform's clock decides: 10 minutes on, a signature made at the old time is stale.
    const signedBefore = bench.sign(secret, event);
    bench.setNow(new Date(PINNED.getTime() + 10 * 60_000));
    const ahead = await receive(signedBefore);
    bench.setNow(PINNED);
    expect(ahead.ok ? 'applied' : ahead.code).toBe('webhook.invalid-signature');
    expect(await accountCount()).toBe(before);
    // A 401 is not remembered: the same id, signed properly, is applied.
    const fixed = await receive(bench.sign(secret, event, { id: foreign.headers.id }));
    expect(fixed.ok && fixed.value.status).toBe('applied');
  });

  it('accepts any live secret and stops accepting a deleted one', async () => {
    const second = await bench.newSecret();
    const event = (n: number) => ({
      type: 'tenant.created',
      data: { externalId: `ext-rotate-${n}`, alias: `rotate-${n}` },
    });
    expect((await receive(bench.sign(secret, event(1)))).ok).toBe(true);
    expect((await receive(bench.sign(second.secret, event(2)))).ok).toBe(true);
    expect((await bench.service.secrets.deleteSecret(OPERATOR, second.secretId)).ok).toBe(true);
    const afterDelete = await receive(bench.sign(second.secret, event(3)));
    expect(afterDelete.ok ? 'applied' : afterDelete.code).toBe('webhook.invalid-signature');
    const listed = await bench.service.secrets.listSecrets(OPERATOR);
    expect(listed.ok && listed.value.map((s) => s.secretId)).not.toContain(second.secretId);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });
});

describe('inbound webhooks: events', () => {
  it('answers an unknown type and invalid data 422 with the fields, and the same id gets the same answer', async () => {
    const before = await accountCount();
    const unknown = await receive(bench.sign(secret, { type: 'tenant.exploded', data: {} }));
    expect(unknown.ok ? undefined : [unknown.code, unknown.fields?.[0]?.path]).toEqual([
      'webhook.invalid-event',
      'type',
    ]);
    const invalid = bench.sign(secret, {
      type: 'tenant.created',
      data: { externalId: 'bad#id', alias: 'UPPER', owner: { userName: 'a b' } },
    });
    const first = await receive(invalid);
    expect(first.ok ? [] : first.fields?.map((f) => f.path).sort()).toEqual([
      'data.alias',
      'data.externalId',
      'data.owner.userName',
    ]);
    expect(await receive(invalid)).toEqual(first);
    expect(await accountCount()).toBe(before);
  });

  it('creates a tenant from a blueprint with its owner, once per externalId', async () => {
    const event = {
      type: 'tenant.created',
      data: {
        externalId: 'cust-1001',
        alias: 'acme-bp',
        blueprint: 'starter',
        owner: { userName: 'ada', email: 'ada@example.com' },
      },
    };
    const first = await receive(bench.sign(secret, event));
    if (!first.ok) throw new Error(first.message);
    const { accountId, owner } = first.value as unknown as {
      accountId: string;
      owner: Record<string, string>;
    };
    expect(owner.userName).toBe('ada');
    expect(owner.setupToken).toMatch(/^pst_/);
    expect(Date.parse(owner.setupExpiresAt as string) - PINNED.getTime()).toBeGreaterThan(6.9 * 86_400_000);
    const groups = await asRoot(accountId, 'ListGroups', {});
    expect((groups.Groups as { GroupName: string }[]).map((g) => g.GroupName)).toEqual(['admins', 'readers']);
    const attached = await asRoot(accountId, 'ListAttachedUserPolicies', { UserName: 'ada' });
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    ]);
    // Its changes are recorded as the provisioning interface's, under the event's type.
    const days = [
      ...new Set([Date.now() - 5_000, Date.now()].map((t) => new Date(t).toISOString().slice(0, 10))),
    ];
    const records = (
      await Promise.all(days.map((day) => listChangeRecords(bench.context.iam.store, { accountId }, day)))
    ).flat();
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => `${r.origin.via} ${r.operation}`))).toEqual(
      new Set(['provisioning tenant.created']),
    );
    // A new webhook-id with the same externalId: the same account, nothing created twice.
    const again = await receive(bench.sign(secret, event));
    expect(again.ok && again.value.accountId).toBe(accountId);
    expect(((await asRoot(accountId, 'ListPolicies', { Scope: 'Local' })).Policies as unknown[]).length).toBe(
      1,
    );
    // Once the owner has used a token, a replay carries none.
    const token = (again.ok && (again.value.owner as Record<string, string>).setupToken) as string;
    const set = await bench.service.completeSetup({
      account: 'acme-bp',
      userName: 'ada',
      setupToken: token,
      password: 'Correct-Horse-9',
    });
    expect(set.ok).toBe(true);
    const replay = await receive(bench.sign(secret, event));
    expect(replay.ok && replay.value).toEqual({ status: 'applied', accountId, owner: { userName: 'ada' } });
  });

  it('finishes a build that crashed half-way when retried, duplicating nothing', async () => {
    const delivery = bench.sign(secret, {
      type: 'tenant.created',
      data: { externalId: 'cust-crash', alias: 'crash-co', blueprint: 'starter', owner: { userName: 'bo' } },
    });
    bench.failBefore(/^group readers$/);
    await expect(receive(delivery)).rejects.toThrow('injected crash');
    // The same webhook-id again (its claim was released): the build finishes.
    const retried = await receive(delivery);
    if (!retried.ok) throw new Error(retried.message);
    const accountId = retried.value.accountId as string;
    const groups = await asRoot(accountId, 'ListGroups', {});
    expect((groups.Groups as { GroupName: string }[]).map((g) => g.GroupName)).toEqual(['admins', 'readers']);
    expect((await asRoot(accountId, 'ListGroupPolicies', { GroupName: 'admins' })).PolicyNames).toEqual([
      'all',
    ]);
    expect(((await asRoot(accountId, 'ListPolicies', { Scope: 'Local' })).Policies as unknown[]).length).toBe(
      1,
    );
    expect(((await asRoot(accountId, 'ListRoles', {})).Roles as unknown[]).length).toBe(1);
    expect(((await asRoot(accountId, 'ListUsers', {})).Users as unknown[]).length).toBe(1);
    const all = await listAccounts(bench.context.iam.store, { limit: 1000 });
    expect(all.accounts.filter((a) => a.externalId === 'cust-crash')).toHaveLength(1);
  });

  it('answers 409 while another delivery holds the id, and takes over a claim whose holder crashed', async () => {
    const delivery = bench.sign(secret, {
      type: 'tenant.created',
      data: { externalId: 'cust-lease', alias: 'lease-co' },
    });
    // A holder that claimed the id and died without answering or releasing it.
    const held = await claimWebhookDelivery(
      bench.context.iam.store,
      delivery.headers.id as string,
      bench.now(),
      WEBHOOK_CLAIM_LEASE_SECONDS,
      WEBHOOK_ANSWER_RETENTION_SECONDS,
    );
    expect(held.kind).toBe('claimed');
    const waiting = await receive(delivery);
    expect(waiting.ok ? 'applied' : waiting.code).toBe('webhook.in-progress');
    expect(await bench.context.accounts.findAccountByExternalId(OPERATOR, 'cust-lease')).toMatchObject({
      ok: false,
    });
    bench.setNow(new Date(PINNED.getTime() + (WEBHOOK_CLAIM_LEASE_SECONDS + 1) * 1000));
    const taken = await receive(delivery);
    bench.setNow(PINNED);
    expect(taken.ok && taken.value.status).toBe('applied');
  });

  it('applies two concurrent deliveries of one webhook-id once', async () => {
    const delivery = bench.sign(secret, {
      type: 'tenant.created',
      data: { externalId: 'cust-race', alias: 'race-co', owner: { userName: 'cy' } },
    });
    const answers = await Promise.all([receive(delivery), receive(delivery)]);
    const applied = answers.filter((a) => a.ok);
    expect(applied.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers) if (!answer.ok) expect(answer.code).toBe('webhook.in-progress');
    const tokens = new Set(applied.map((a) => a.ok && (a.value.owner as Record<string, string>).setupToken));
    expect(tokens.size).toBe(1);
    const all = await listAccounts(bench.context.iam.store, { limit: 1000 });
    expect(all.accounts.filter((a) => a.externalId === 'cust-race')).toHaveLength(1);
    // Afterwards the id answers what it answered first.
    expect(await receive(delivery)).toEqual(applied[0]);
  });

  it('suspends, reactivates and deletes a tenant; an unknown tenant is 404 and not remembered', async () => {
    const created = await receive(
      bench.sign(secret, { type: 'tenant.created', data: { externalId: 'cust-life', alias: 'life-co' } }),
    );
    const accountId = created.ok ? (created.value.accountId as string) : '';
    for (const [type, status] of [
      ['tenant.suspended', 'suspended'],
      ['tenant.suspended', 'suspended'],
      ['tenant.reactivated', 'active'],
      ['tenant.deleted', 'closed'],
    ] as const) {
      const answer = await receive(bench.sign(secret, { type, data: { externalId: 'cust-life' } }));
      expect(answer.ok && answer.value).toEqual({ status: 'applied', accountId, tenantStatus: status });
      const account = await bench.context.accounts.getAccount(OPERATOR, accountId);
      expect(account.ok && account.value.status).toBe(status);
    }
    const unknown = bench.sign(secret, { type: 'tenant.suspended', data: { externalId: 'cust-nobody' } });
    const missing = await receive(unknown);
    expect(missing.ok ? 'applied' : missing.code).toBe('entity.not-found');
    await receive(
      bench.sign(secret, {
        type: 'tenant.created',
        data: { externalId: 'cust-nobody', alias: 'nobody-co' },
      }),
    );
    const retried = await receive(unknown);
    expect(retried.ok && retried.value.tenantStatus).toBe('suspended');
  });

  it('makes groups the full membership set of a member, refusing an unknown group with 422', async () => {
    const created = await receive(
      bench.sign(secret, {
        type: 'tenant.created',
        data: { externalId: 'cust-team', alias: 'team-co', blueprint: 'starter' },
      }),
    );
    const accountId = created.ok ? (created.value.accountId as string) : '';
    const upsert = (groups?: string[]) =>
      receive(
        bench.sign(secret, {
          type: 'member.upserted',
          data: { tenantExternalId: 'cust-team', userName: 'dee', ...(groups ? { groups } : {}) },
        }),
      );
    const groupsOf = async () =>
      (
        (await asRoot(accountId, 'ListGroupsForUser', { UserName: 'dee' })).Groups as { GroupName: string }[]
      ).map((g) => g.GroupName);
    expect((await upsert(['admins', 'readers'])).ok).toBe(true);
    expect(await groupsOf()).toEqual(['admins', 'readers']);
    expect((await upsert(['readers'])).ok).toBe(true);
    expect(await groupsOf()).toEqual(['readers']);
    const unknownGroup = await upsert(['readers', 'ghosts']);
    expect(unknownGroup.ok ? [] : [unknownGroup.code, unknownGroup.fields]).toEqual([
      'webhook.invalid-event',
      [{ path: 'data.groups.1', message: 'no group ghosts in the tenant' }],
    ]);
    expect(await groupsOf()).toEqual(['readers']);
    const unknownTenant = await receive(
      bench.sign(secret, {
        type: 'member.upserted',
        data: { tenantExternalId: 'cust-none', userName: 'dee' },
      }),
    );
    expect(unknownTenant.ok ? 'applied' : unknownTenant.code).toBe('entity.not-found');
  });
  it('removes a member with everything attached, and answers applied when it is gone already', async () => {
    const created = await receive(
      bench.sign(secret, {
        type: 'tenant.created',
        data: { externalId: 'cust-leave', alias: 'leave-co', blueprint: 'starter' },
      }),
    );
    const accountId = created.ok ? String(created.value.accountId) : '';
    const member = { tenantExternalId: 'cust-leave', userName: 'gil' };
    expect(
      (
        await receive(
          bench.sign(secret, { type: 'member.upserted', data: { ...member, groups: ['admins'] } }),
        )
      ).ok,
    ).toBe(true);
    const key = await asRoot(accountId, 'CreateAccessKey', { UserName: 'gil' });
    expect((key.AccessKey as { UserName: string }).UserName).toBe('gil');
    await asRoot(accountId, 'PutUserPolicy', {
      UserName: 'gil',
      PolicyName: 'own',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
      }),
    });
    for (let round = 0; round < 2; round++) {
      const removed = await receive(bench.sign(secret, { type: 'member.removed', data: member }));
      expect(removed.ok && removed.value).toEqual({ status: 'applied', accountId, userName: 'gil' });
    }
    expect(await getPrincipal(bench.context.iam.store, accountId, 'user', 'gil')).toBeUndefined();
    const groupMembers = await asRoot(accountId, 'GetGroup', { GroupName: 'admins' });
    expect(groupMembers.Users).toEqual([]);
  });
});

describe("the operator's account creation with an externalId", () => {
  it('finishes an account whose build crashed when asked again, then refuses a third time', async () => {
    const request = { alias: 'rest-crash', externalId: 'crm-rest-crash', blueprint: 'starter' };
    bench.failBefore(/^role support$/);
    await expect(bench.service.tenants.provisionAccount(OPERATOR, request)).rejects.toThrow('injected crash');
    const finished = await bench.service.tenants.provisionAccount(OPERATOR, request);
    if (!finished.ok) throw new Error(finished.message);
    expect(finished.value.account).toMatchObject({ alias: 'rest-crash', externalId: 'crm-rest-crash' });
    expect(finished.value.rootAccessKey.accessKeyId).toMatch(/^AKIA/);
    const { accountId } = finished.value.account;
    expect(((await asRoot(accountId, 'ListRoles', {})).Roles as unknown[]).length).toBe(1);
    expect(((await asRoot(accountId, 'ListGroups', {})).Groups as unknown[]).length).toBe(2);
    const again = await bench.service.tenants.provisionAccount(OPERATOR, request);
    expect(again.ok ? 'created' : again.code).toBe('entity.already-exists');
    const tenant = await bench.service.tenants.provisionAccount(
      tenantRoot(bench.context, accountId),
      request,
    );
    expect(tenant.ok ? 'created' : tenant.code).toBe('access.denied');
  });
});

describe('owner setup', () => {
  it('enforces the password policy, keeps the token single-use, and refuses it after 7 days', async () => {
    const created = await receive(
      bench.sign(secret, {
        type: 'tenant.created',
        data: { externalId: 'cust-setup', alias: 'setup-co', owner: { userName: 'eve' } },
      }),
    );
    if (!created.ok) throw new Error(created.message);
    const accountId = created.value.accountId as string;
    const token = (created.value.owner as Record<string, string>).setupToken as string;
    await asRoot(accountId, 'UpdateAccountPasswordPolicy', { MinimumPasswordLength: 14 });
    const setup = (password: string, setupToken = token) =>
      bench.service.completeSetup({ account: accountId, userName: 'eve', setupToken, password });
    const weak = await setup('Short-Pw-1');
    expect(weak.ok ? 'set' : weak.code).toBe('credentials.password-policy');
    expect((await setup('Correct-Horse-Battery-9')).ok).toBe(true);
    const reused = await setup('Correct-Horse-Battery-8');
    expect(reused.ok ? 'set' : reused.code).toBe('provisioning.invalid-setup-token');
    // A token not used within 7 days stops working.
    await receive(
      bench.sign(secret, {
        type: 'member.upserted',
        data: { tenantExternalId: 'cust-setup', userName: 'finn' },
      }),
    );
    const user = await getPrincipal(bench.context.iam.store, accountId, 'user', 'finn');
    expect(user?.name).toBe('finn');
    const { issueOwnerSetup } = await import('@palisade/provisioning');
    const issued = await issueOwnerSetup(bench.context, accountId, 'finn');
    const late = issued.ok ? (issued.value.setupToken as string) : '';
    bench.setNow(new Date(PINNED.getTime() + 7 * 86_400_000 + 1000));
    const expired = await bench.service.completeSetup({
      account: accountId,
      userName: 'finn',
      setupToken: late,
      password: 'Correct-Horse-Battery-9',
    });
    bench.setNow(PINNED);
    expect(expired.ok ? 'set' : expired.code).toBe('provisioning.invalid-setup-token');
  });
});

describe('blueprints', () => {
  it('refuses a blueprint with a malformed document, naming its field, and stores nothing', async () => {
    const put = await bench.service.blueprints.putBlueprint(OPERATOR, 'broken', {
      groups: [{ name: 'g', policies: [{ name: 'p', document: { Statement: [{ Effect: 'Maybe' }] } }] }],
      roles: [{ name: 'r', trustPolicy: '{not json' }],
    });
    expect(put.ok ? [] : [put.code, put.fields?.map((f) => f.path)]).toEqual([
      'policy.malformed',
      ['groups.0.policies.0.document', 'roles.0.trustPolicy'],
    ]);
    const big = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'docs:Read',
          Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:docs:::doc/${i}`),
        },
      ],
    };
    const tooLarge = await bench.service.blueprints.putBlueprint(OPERATOR, 'broken', {
      policies: [{ name: 'big', document: big }],
    });
    expect(tooLarge.ok ? [] : [tooLarge.code, tooLarge.fields?.map((f) => f.path)]).toEqual([
      'policy.malformed',
      ['policies.0.document'],
    ]);
    const read = await bench.service.blueprints.getBlueprint(OPERATOR, 'broken');
    expect(read.ok ? 'found' : read.code).toBe('entity.not-found');
  });
});
