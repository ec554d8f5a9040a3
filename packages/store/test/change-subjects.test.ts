/** The identifiers a change record copies from its writes (its items' `subject`), and nothing else. */
import { describe, expect, it } from 'vitest';
import { changedItems } from '../src/change-records.ts';

describe('changedItems', () => {
  it("copies a put's identifier attributes and none of its secrets", () => {
    const [item] = changedItems([
      {
        Put: {
          Item: {
            pk: 'AKID#AKIAEXAMPLE000000001',
            sk: 'ACCESS-KEY',
            entity: 'access-key',
            accessKeyId: 'AKIAEXAMPLE000000001',
            status: 'Active',
            sealedSecret: 'sb1.abcd.secret',
            secretAccessKey: 'wJalrXUtnFEMI/K7MDENG',
            passwordHash: 'scrypt$…',
            document: '{"Statement":[]}',
          },
        },
      },
    ]);
    expect(item?.subject).toEqual({ accessKeyId: 'AKIAEXAMPLE000000001', status: 'Active' });
  });

  it('reads what an update or a delete states through its expressions, attribute names resolved', () => {
    const items = changedItems([
      {
        Update: {
          Key: { pk: 'ACCT#123456789012', sk: 'ACCOUNT' },
          UpdateExpression: 'SET #s = :s, version = version + :one',
          ConditionExpression: 'version = :expected',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'suspended', ':one': 1, ':expected': 3 },
        },
      },
      {
        Delete: {
          Key: { pk: 'ACCT#123456789012#USER#AIDAEXAMPLE0000001', sk: 'USER' },
          ConditionExpression: 'attribute_exists(pk) AND #name = :name AND counters.keys = :zero',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': 'Alice', ':zero': 0 },
        },
      },
    ]);
    expect(items.map((item) => item.subject)).toEqual([{ status: 'suspended' }, { name: 'Alice' }]);
  });

  it('leaves out a value too long to be an identifier, and an item that states none', () => {
    const items = changedItems([
      { Put: { Item: { pk: 'ACCT#123456789012#X', sk: 'Y', entity: 'thing', name: 'n'.repeat(1_301) } } },
      { Delete: { Key: { pk: 'ACCT#123456789012#X', sk: 'Z' } } },
    ]);
    expect(items.map((item) => item.subject)).toEqual([undefined, undefined]);
  });
});
