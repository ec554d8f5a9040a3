/**
 * The authorize Lambda's bundle as it ships (esbuild, the deployment table's options): its cold
 * start is mostly V8 compiling its code, so what the decision routes never run stays out of it.
 */
import { describe, expect, it } from 'vitest';
import { bundleHandler } from '../scripts/bench-authorize/lambda-bundle.ts';

describe("the authorize function's bundle", () => {
  it("leaves zod's classic API and its locales out (the decision routes validate with zod/mini)", async () => {
    const { metafile } = await bundleHandler('functions/authorize.handler');
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
});
