/** The audit trail: CloudTrail records of every change and sign-in, lookups, exports and the integrity chain. */
export * from './chain.ts';
export * from './cloudtrail-record.ts';
export * from './export.ts';
export * from './lookup.ts';
export * from './redaction.ts';
export * from './sealer.ts';
export * from './trail.ts';
export * from './trail-reads.ts';
