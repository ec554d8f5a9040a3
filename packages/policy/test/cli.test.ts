import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('palisade-policy evaluate', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['bin/build-cli.js'], { cwd: root });
  });

  it('answers one JSON line per request line, in order, and survives bad lines', () => {
    const good = JSON.stringify({
      principal: 'arn:aws:iam::123456789012:user/alice',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
      resourceAccount: '123456789012',
      identityPolicies: [
        JSON.stringify({
          Version: '2012-10-17',
          Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        }),
      ],
    });
    const input = [
      good,
      '{oops',
      JSON.stringify({ principal: 'x' }),
      good.replace('s3:GetObject', 'ec2:RunInstances'),
    ].join('\n');
    const out = execFileSync(process.execPath, ['bin/palisade-policy.js', 'evaluate'], { cwd: root, input })
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(out).toHaveLength(4);
    expect(out[0].decision).toBe('allowed');
    expect(out[1].error.code).toBe('request.malformed-body');
    expect(out[2].error.code).toBe('request.invalid');
    expect(out[3].decision).toBe('implicitDeny');
  });
});
