/**
 * The authorize Lambda's bundle as it ships (esbuild, the deployment table's options): its cold
 * start is mostly V8 compiling its code, so what the decision routes never run stays out of it.
 */
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleHandler,
  bundleReference,
  DOCUMENT_CLIENT_REFERENCE,
} from '../scripts/bench-authorize/lambda-bundle.ts';

/** The Node built-ins a bundle imports statically (each costs its loading and an ESM facade at start-up). */
function staticBuiltins(metafile: Metafile): string[] {
  const imports = Object.values(metafile.outputs).flatMap((output) => output.imports);
  return [
    ...new Set(
      imports
        .filter((i) => i.external && i.kind === 'import-statement')
        .map((i) => i.path.replace(/^node:/, '')),
    ),
  ].sort();
}

/** The inputs of the files an import of the bundle loads: the entry and the chunks it imports statically. */
function inputsAtStart(metafile: Metafile): string[] {
  const outputs = Object.entries(metafile.outputs);
  const loaded = new Set<string>();
  const visit = (name: string | undefined) => {
    if (name === undefined || loaded.has(name)) return;
    loaded.add(name);
    for (const i of metafile.outputs[name]?.imports ?? []) {
      if (!i.external && i.kind === 'import-statement') visit(i.path);
    }
  };
  visit(outputs.find(([, output]) => output.entryPoint !== undefined)?.[0]);
  return [...loaded].flatMap((name) =>
    Object.entries(metafile.outputs[name]?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file),
  );
}

describe("the authorize function's bundle", () => {
  let metafile: Metafile;
  beforeAll(async () => {
    ({ metafile } = await bundleHandler('functions/authorize.handler'));
  });

  it("leaves zod's classic API and its locales out (the decision routes validate with zod/mini)", () => {
    const shipped = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0),
    );
    const zod = shipped.filter(([file]) => file.includes('node_modules/zod/'));
    // Present, so the check below cannot pass on a bundle that lost its validation altogether.
    expect(zod.some(([file]) => file.includes('zod/v4/mini/'))).toBe(true);
    expect(zod.filter(([file]) => /zod\/v4\/(classic|locales)\//.test(file)).map(([file]) => file)).toEqual(
      [],
    );
    const zodBytes = zod.reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    expect(zodBytes).toBeLessThan(64 * 1024);
  });

  it('imports at load only the Node built-ins the DynamoDB client does, plus async_hooks and net', async () => {
    const reference = staticBuiltins((await bundleReference(DOCUMENT_CLIENT_REFERENCE)).metafile);
    // Present, so the comparison below cannot pass on an empty list.
    expect(reference).toContain('https');
    // AsyncLocalStorage (change origins, batched reads) and isIP (client addresses); not perf_hooks
    // (performance is a global) nor util (SST's package index, which only its Resource is wanted from).
    const extra = staticBuiltins(metafile).filter((name) => !reference.includes(name));
    expect(extra).toEqual(['async_hooks', 'net']);
  });

  it("takes SST's Resource from sst/resource, leaving the package index (and its side effects) out", () => {
    const sst = Object.keys(metafile.inputs).filter((file) => file.includes('node_modules/sst/'));
    expect(sst.some((file) => file.endsWith('sst/dist/resource/node.js'))).toBe(true);
    expect(sst.filter((file) => file.endsWith('sst/dist/index.js'))).toEqual([]);
  });

  it('leaves jose and the SDK event streams to chunks loaded on first use, not at start-up', () => {
    const shipped = Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file),
    );
    const lazy = (file: string) => /\/jose\/|submodules\/event-streams\//.test(file);
    // Shipped, so the check below cannot pass on a bundle that lost access tokens altogether.
    expect(shipped.some((file) => file.includes('/jose/'))).toBe(true);
    expect(inputsAtStart(metafile).filter(lazy)).toEqual([]);
  });
});
