/**
 * Policy size and character set, measured as IAM does: white space does not count towards the
 * quotas. The engine measures; the store enforces.
 */

/** Size quotas in characters (white space not counted). */
export const POLICY_SIZE_QUOTAS = {
  managedPolicy: 6144,
  userInlineAggregate: 2048,
  groupInlineAggregate: 5120,
  roleInlineAggregate: 10240,
  trustPolicy: 2048,
  sessionPolicy: 2048,
} as const;

/** The size of a policy as IAM counts it: its JSON text without white space. */
export function policySize(document: unknown): number {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) size++;
  }
  return size;
}

/** The aggregate size of several inline policies (the user, group and role quotas). */
export function aggregatePolicySize(documents: readonly unknown[]): number {
  let total = 0;
  for (const document of documents) total += policySize(document);
  return total;
}

/** The index of the first character IAM does not accept (TAB, LF, CR, U+0020–U+00FF), or -1. */
export function invalidCharacterIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xff)) continue;
    return i;
  }
  return -1;
}
