import { describe, expect, it } from 'vitest';
import { encodeListingMarker, listing, pageInMemory, readMarker } from '../src/paging-markers.ts';

const longPath = `/${'p'.repeat(510)}/`;

function everyPage<T>(
  all: T[],
  keyOf: (item: T) => string,
  maxItems: number,
): { seen: T[]; markers: string[] } {
  const seen: T[] = [];
  const markers: string[] = [];
  let marker: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = pageInMemory(all, keyOf, marker, maxItems);
    if (!page.ok) throw new Error(page.message);
    seen.push(...page.value.items);
    const envelope = listing('Items', page.value.items, page.value.next);
    if (!envelope.Marker) return { seen, markers };
    markers.push(envelope.Marker);
    marker = envelope.Marker;
  }
  throw new Error('paging never ended');
}

describe('paging markers', () => {
  it('stays within 320 characters for a 512-character path, a 128-character name and multi-byte text', () => {
    for (const cursor of [
      `${longPath}${'n'.repeat(128)}`,
      'é'.repeat(128),
      `${'日本'.repeat(60)}`,
      'short',
    ]) {
      const marker = encodeListingMarker(cursor, 'AIDAABCDEFGHIJKLMNOPQ');
      expect(marker?.length).toBeLessThanOrEqual(320);
      const position = readMarker(marker, '');
      expect(position.ok && position.value?.after && cursor.startsWith(position.value.after)).toBe(true);
    }
  });

  it('carries a short cursor whole and a long one as a prefix with the id it ended at', () => {
    expect(readMarker(encodeListingMarker('/eng/alice'), '/eng/')).toEqual({
      ok: true,
      value: { after: '/eng/alice', exact: true },
    });
    const long = readMarker(encodeListingMarker(`${longPath}alice`, 'AIDAABCDEFGHIJKLMNOPQ'), longPath);
    expect(long).toMatchObject({ ok: true, value: { exact: false, resumeId: 'AIDAABCDEFGHIJKLMNOPQ' } });
    expect(long.ok && longPath.startsWith(long.value?.after ?? 'x')).toBe(true);
  });

  it('refuses a marker it did not give out, or one for another path, with ValidationError', () => {
    const good = encodeListingMarker('/eng/alice') ?? '';
    for (const bad of [
      'not base64!',
      Buffer.from('Xwhatever').toString('base64url'),
      Buffer.from([0xff, 0xfe, 0x45]).toString('base64url'),
      `${good}A`,
      'x'.repeat(321),
    ]) {
      expect(readMarker(bad, '/')).toMatchObject({ ok: false, code: 'request.invalid' });
    }
    expect(readMarker(good, '/ops/')).toMatchObject({ ok: false, code: 'request.invalid' });
  });

  it('pages a collection one item at a time, every item exactly once, with long keys', () => {
    const keys = Array.from({ length: 7 }, (_, i) => `${longPath}${String.fromCharCode(97 + i)}`);
    const { seen, markers } = everyPage(keys, (k) => k, 1);
    expect(seen).toEqual(keys);
    expect(markers).toHaveLength(6);
    for (const marker of markers) expect(marker.length).toBeLessThanOrEqual(320);
  });

  it('continues after the item a page ended at even when it is gone, listing nothing twice when keys are short', () => {
    const keys = ['a', 'b', 'c', 'd'];
    const first = pageInMemory(keys, (k) => k, undefined, 2);
    if (!first.ok) throw new Error(first.message);
    expect(first.value).toEqual({ items: ['a', 'b'], next: 'b' });
    const marker = listing('Items', first.value.items, first.value.next).Marker;
    const rest = pageInMemory(['a', 'c', 'd'], (k) => k, marker, 2);
    expect(rest).toEqual({ ok: true, value: { items: ['c', 'd'] } });
  });
});
