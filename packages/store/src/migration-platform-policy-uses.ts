/**
 * Layout v5: operator-managed policies are AWS-managed ARNs (`arn:<p>:iam::aws:policy/<name>`), and
 * each attachment of one has a reverse item in the account (`platformPolicyAttachmentKey`), which
 * AttachmentCount counts.
 *
 * For every attachment of an operator-managed policy: one transaction writes its reverse item and,
 * when it is still keyed by the legacy `arn:<p>:iam::palisade:policy/…`, moves it to the current
 * ARN's key; every user or role whose boundary is one gets its boundary's reverse item. Idempotent: the reverse item and the moved attachment are plain puts of the same
 * content, and a moved attachment's legacy item is gone, so a resumed run finds only current ones.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './client.ts';
import {
  attachedPolicyKey,
  attachedPolicyPrefix,
  changedKeyIdentifiers,
  platformPolicyAttachmentKey,
} from './keys.ts';
import { currentPolicyArn } from './legacy-policy-arns.ts';
import { platformBoundaryUseWrite } from './managed-policies.ts';
import { forEachTablePage } from './migration-pages.ts';
import type { Migration } from './migrations.ts';

const PLATFORM_POLICY_ARN =
  /^arn:[\w-]{1,20}:iam::(?:aws|palisade):policy\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,128})$/;
const KIND = { USER: 'user', GROUP: 'group', ROLE: 'role' } as const;

/** Migration 5: operator-managed policies' attachments under their AWS-managed ARNs, with reverse items. */
export const platformPolicyUses: Migration = {
  version: 5,
  name: 'operator-managed policies: attachments keyed by arn:…:iam::aws:policy/…, each with a reverse item in its account',
  async run(context, log) {
    const { store } = context;
    const tally = { counted: 0, moved: 0, boundaries: 0 };
    await forEachTablePage(context, async (items) => {
      for (const item of items) {
        if (await countBoundaryUse(store, item)) {
          tally.boundaries++;
          continue;
        }
        const sk = String(item.sk);
        const arn = typeof item.policyArn === 'string' ? item.policyArn : '';
        const name = PLATFORM_POLICY_ARN.exec(arn)?.[1];
        if (item.entity !== 'attachment' || !sk.startsWith(attachedPolicyPrefix) || name === undefined)
          continue;
        const owner = changedKeyIdentifiers({ pk: String(item.pk), sk });
        if (owner.accountId === undefined || owner.id === undefined) continue;
        if (owner.kind !== 'USER' && owner.kind !== 'GROUP' && owner.kind !== 'ROLE') continue;
        const current = currentPolicyArn(arn);
        const moved = current !== arn;
        await store.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: store.tableName,
                  Item: {
                    ...platformPolicyAttachmentKey(owner.accountId, name, owner.kind, owner.id),
                    entity: 'platform-policy-attachment',
                    kind: KIND[owner.kind],
                    principalId: owner.id,
                  },
                },
              },
              ...(moved
                ? [
                    {
                      Put: {
                        TableName: store.tableName,
                        Item: {
                          ...item,
                          ...attachedPolicyKey(owner.accountId, owner.kind, owner.id, current),
                          policyArn: current,
                        },
                      },
                    },
                    { Delete: { TableName: store.tableName, Key: { pk: String(item.pk), sk } } },
                  ]
                : []),
            ],
          }),
        );
        tally.counted++;
        if (moved) tally.moved++;
      }
    });
    log({ msg: 'keyed operator-managed policy attachments by their AWS-managed ARNs', ...tally });
  },
};

/** Writes the boundary reverse item of a user's or role's record whose boundary is operator-managed. */
async function countBoundaryUse(store: StoreContext, item: Record<string, unknown>): Promise<boolean> {
  const kind = item.entity;
  if ((kind !== 'user' && kind !== 'role') || item.sk !== kind.toUpperCase()) return false;
  const name = PLATFORM_POLICY_ARN.exec(String(item.permissionsBoundary ?? ''))?.[1];
  if (name === undefined || typeof item.accountId !== 'string' || typeof item.id !== 'string') return false;
  const holder = { accountId: item.accountId, kind, id: item.id } as const;
  const put = platformBoundaryUseWrite(holder, name, true).write.Put;
  if (!put) return false;
  await store.documents.send(new PutCommand({ ...put, TableName: store.tableName }));
  return true;
}
