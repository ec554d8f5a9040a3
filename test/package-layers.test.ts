/**
 * The direction of dependencies (../shared/architecture.md): a package's source imports only the
 * workspace packages its package.json declares, and a service depends on no other service for the
 * kernel every service needs (operations, input parsers, paging, validation failures live in
 * principals, the layer below the services).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', 'packages');
const PACKAGES = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** The workspace packages a package's source files import. */
function importedBy(name: string): Set<string> {
  const imported = new Set<string>();
  const source = join(ROOT, name, 'src');
  for (const file of readdirSync(source, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(join(source, file), 'utf8');
    for (const match of text.matchAll(/from '(@palisade\/[\w-]+)/g)) imported.add(match[1] as string);
  }
  imported.delete(`@palisade/${name}`);
  return imported;
}

function declaredBy(name: string): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, name, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).filter((dependency) => dependency.startsWith('@palisade/'));
}

describe('package layers', () => {
  it.each(PACKAGES)('%s imports only the workspace packages it declares', (name) => {
    expect([...importedBy(name)].filter((imported) => !declaredBy(name).includes(imported))).toEqual([]);
  });

  it('keeps the decision services off IAM: their kernel is in principals', () => {
    expect(declaredBy('decisions')).not.toContain('@palisade/iam');
    expect(importedBy('decisions').has('@palisade/iam')).toBe(false);
    expect(declaredBy('principals')).not.toContain('@palisade/iam');
  });
});
