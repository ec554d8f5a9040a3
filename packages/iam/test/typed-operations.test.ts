/**
 * Operations keep their types: a table names each operation the compiler knows, with the output
 * it answers, and every interface turns a zod error into the same typed failure.
 */

import {
  type Operation,
  type OperationOutput,
  operation,
  operatorCaller,
  rootCaller,
  validationFailure,
} from '@palisade/principals';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type IamOperations, tenantOperations } from '../src/index.ts';

describe('operation', () => {
  it('yields an operation typed by its input schema and its output', async () => {
    const greet = operation(z.object({ Name: z.string().min(1) }), async (_caller, input) => ({
      ok: true as const,
      value: { Greeting: `hello ${input.Name}` },
    }));
    expectTypeOf(greet).toEqualTypeOf<Operation<{ Name: string }, { Greeting: string }>>();
    const answer = await greet(rootCaller('aws', '123456789012'), { Name: 'alice' });
    expect(answer).toEqual({ ok: true, value: { Greeting: 'hello alice' } });
    const refused = await greet(rootCaller('aws', '123456789012'), { Name: '' });
    expect(refused).toMatchObject({ ok: false, code: 'request.invalid' });
  });

  it('keeps the keys and output types of the IAM table', () => {
    expectTypeOf<OperationOutput<IamOperations['CreateUser']>>().toMatchTypeOf<{
      User: { UserName: string; Arn: string };
    }>();
    expectTypeOf<OperationOutput<IamOperations['ListUserPolicies']>>().toEqualTypeOf<{
      PolicyNames: string[];
      IsTruncated: boolean;
    }>();
    expectTypeOf<'NoSuchOperation'>().not.toMatchTypeOf<keyof IamOperations>();
  });

  it('refuses tenant operations to the operator and keeps the table typed', async () => {
    const table = tenantOperations({
      Echo: operation(z.object({}), async () => ({ ok: true as const, value: { Echoed: true } })),
    });
    expectTypeOf(table.Echo).toEqualTypeOf<Operation<Record<string, never>, { Echoed: boolean }>>();
    expect(await table.Echo(operatorCaller('AKIAOPERATOR00000000'), {})).toMatchObject({
      ok: false,
      code: 'access.denied',
    });
  });
});

describe('validationFailure', () => {
  it('names each problem by member and never quotes the value', () => {
    const parsed = z
      .object({ Password: z.string().max(8), Account: z.string() })
      .safeParse({ Password: 'correct-horse-battery' });
    if (parsed.success) throw new Error('expected a failure');
    const failure = validationFailure(parsed.error);
    expect(failure.code).toBe('request.invalid');
    expect(failure.message).toMatch(/^2 validation errors detected: Value at 'password' failed/);
    expect(failure.message).toContain("Value null at 'account' failed to satisfy constraint");
    expect(failure.message).not.toContain('correct-horse-battery');
  });
});
