/**
 * The one definition of Palisade's DynamoDB table. `sst.config.ts`, the local bootstrap and the
 * tests all read it, so the deployed table, the local table and the keys the store writes agree.
 */

/** Name and key attributes of one global secondary index. */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** The table's keys, indexes, TTL attribute and stream view. */
export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly globalIndexes: readonly IndexDefinition[];
  readonly ttlAttribute: string;
  /** Absent only for tables nothing reads the stream of (most test tables: a stream costs DynamoDB Local). */
  readonly stream?: 'new-and-old-images';
}

/** Palisade's single table. Generic key names: the entity grammar lives in keys.ts. */
export const tableDefinition: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  globalIndexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
  ttlAttribute: 'expiresAt',
  stream: 'new-and-old-images',
};

/** Every key attribute the table declares (all strings). */
export function keyAttributes(definition: TableDefinition = tableDefinition): string[] {
  return [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
}
