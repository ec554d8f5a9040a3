import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseBoundedJson } from '../src/bounded-json.ts';
import { readPolicy } from '../src/policy-document.ts';

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('parseBoundedJson', () => {
  it('parses JSON nested up to the limit', () => {
    expect(parseBoundedJson(nestedArrays(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseBoundedJson(nestedObjects(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseBoundedJson('{"a":[1,{"b":"c"}]}')).toEqual({ ok: true, value: { a: [1, { b: 'c' }] } });
  });

  it('refuses JSON nested one level past the limit, before parsing it', () => {
    expect(parseBoundedJson(nestedArrays(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, reason: 'too-deep' });
    expect(parseBoundedJson(nestedObjects(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, reason: 'too-deep' });
  });

  it('refuses 100,000-deep nesting without overflowing the stack', () => {
    expect(parseBoundedJson(nestedArrays(100_000))).toEqual({ ok: false, reason: 'too-deep' });
    expect(parseBoundedJson(nestedObjects(100_000))).toEqual({ ok: false, reason: 'too-deep' });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `"\\${'['.repeat(1000)}`, b: '\\' });
    expect(parseBoundedJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('answers a syntax error as a value, never a throw', () => {
    expect(parseBoundedJson('{"a":')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseBoundedJson(']]]]')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseBoundedJson('')).toEqual({ ok: false, reason: 'syntax' });
  });

  it('honours a smaller limit when asked', () => {
    expect(parseBoundedJson('[[1]]', 1)).toEqual({ ok: false, reason: 'too-deep' });
    expect(parseBoundedJson('[[1]]', 2)).toEqual({ ok: true, value: [[1]] });
  });
});

describe('readPolicy on deeply nested text', () => {
  it('reports a syntax error naming the depth bound instead of walking the nesting', () => {
    const deep = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${nestedArrays(60_000)}}}}]}`;
    const read = readPolicy(deep, 'identity');
    expect(read.policy).toBeUndefined();
    expect(read.fatal).toMatchObject({
      code: 'JSON_SYNTAX_ERROR',
      message: expect.stringMatching(/deeper than 32/),
    });
  });
});
