/**
 * `npm run bench:sigv4`: the CPU one `verifySigV4` costs in-process (no HTTP, no DynamoDB), for the
 * requests real clients send: an SDK v3 request (x-amz-content-sha256 signed), a CLI request (no
 * body hash header, so the body is hashed), a presigned URL, and SDK requests from 200 keys in turn
 * (more than @smithy/signature-v4 keeps signing keys for). Each figure is the median of
 * BENCH_ROUNDS rounds of BENCH_ITERATIONS calls, in µs of this process's CPU per call.
 */
import { execSync } from 'node:child_process';
import { ok } from '@palisade/failures';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type ReceivedRequest,
  type SigningSecret,
  verifySigV4,
} from '../../packages/credentials/src/index.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BODY = JSON.stringify({
  principal: 'arn:aws:iam::123456789012:user/reader',
  action: 'docs:Read',
  resource: 'arn:aws:docs:us-east-1:123456789012:doc/1',
  context: { 'aws:SourceIp': '203.0.113.7' },
});
const now = new Date();

function keyOf(i: number) {
  return { accessKeyId: `AKIABENCH${String(i).padStart(11, '0')}`, secretAccessKey: `bench-secret-${i}` };
}

/** POST /v1/authorize with the bench's body, as a client builds it before signing. */
function authorizeRequest(): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: '/v1/authorize',
    headers: { host: '127.0.0.1:4000', 'content-type': 'application/json' },
    body: BODY,
  });
}

/** A request as the Node adapter hands it over, signed (or presigned) as a client would. */
async function signed(
  key: { accessKeyId: string; secretAccessKey: string },
  how: { applyChecksum: boolean; presign?: boolean },
): Promise<ReceivedRequest> {
  const signer = new SignatureV4({
    credentials: key,
    region: 'us-east-1',
    service: 'palisade',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: how.applyChecksum,
  });
  const request = authorizeRequest();
  const out = how.presign
    ? await signer.presign(request, { signingDate: now, expiresIn: 300 })
    : await signer.sign(request, { signingDate: now });
  const query = new URLSearchParams(out.query as Record<string, string>).toString().replace(/\+/g, '%20');
  const headers: Record<string, string[]> = {
    'content-length': [String(BODY.length)],
    'user-agent': ['bench'],
    connection: ['keep-alive'],
  };
  for (const [name, value] of Object.entries(out.headers)) headers[name.toLowerCase()] = [value];
  return {
    method: 'POST',
    url: query ? `/v1/authorize?${query}` : '/v1/authorize',
    headers,
    body: new TextEncoder().encode(BODY),
  };
}

const secrets = new Map<string, SigningSecret>();
for (let i = 0; i < 200; i++) {
  const key = keyOf(i);
  secrets.set(key.accessKeyId, { temporary: false, secretAccessKey: key.secretAccessKey });
}
const lookupSecret = async (id: string) => ok(secrets.get(id) as SigningSecret);

const scenarios: [string, ReceivedRequest[]][] = [
  ['SDK v3 (x-amz-content-sha256 signed)', [await signed(keyOf(0), { applyChecksum: true })]],
  ['CLI (no body hash header)', [await signed(keyOf(0), { applyChecksum: false })]],
  ['presigned URL', [await signed(keyOf(0), { applyChecksum: false, presign: true })]],
  [
    'SDK v3, 200 keys in turn',
    await Promise.all(Array.from({ length: 200 }, (_, i) => signed(keyOf(i), { applyChecksum: true }))),
  ],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(`load: ${execSync('uptime').toString().trim()}`);
console.log(`\nverifySigV4 in-process, median of ${ROUNDS} rounds × ${ITERATIONS} calls\n`);
console.log('| request | CPU µs/call |\n|---|---:|');
for (const [name, requests] of scenarios) {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) {
      const request = requests[i % requests.length] as ReceivedRequest;
      const verified = await verifySigV4({ request, service: 'palisade', now, lookupSecret });
      if (!verified.ok) throw new Error(`${name}: ${verified.code} ${verified.message}`);
    }
    const cpu = process.cpuUsage(start);
    rounds.push((cpu.user + cpu.system) / ITERATIONS);
  }
  console.log(`| ${name} | ${median(rounds).toFixed(1)} |`);
}

// The library's floor: smithy's own `sign` of the same SDK v3 request with a kept signer (its
// signing key cached), which recomputes what a verification must at least recompute (canonical
// request, string to sign, signature), interleaved round by round with verifySigV4 of it.
const floorSigner = new SignatureV4({
  credentials: keyOf(0),
  region: 'us-east-1',
  service: 'palisade',
  sha256: Hash.bind(null, 'sha256'),
  applyChecksum: true,
});
const floorRequest = authorizeRequest();
const sdkRequest = scenarios[0]?.[1][0] as ReceivedRequest;
const verifyRounds: number[] = [];
const signRounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) {
    const verified = await verifySigV4({ request: sdkRequest, service: 'palisade', now, lookupSecret });
    if (!verified.ok) throw new Error(`${verified.code} ${verified.message}`);
  }
  let cpu = process.cpuUsage(start);
  verifyRounds.push((cpu.user + cpu.system) / ITERATIONS);
  start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await floorSigner.sign(floorRequest, { signingDate: now });
  cpu = process.cpuUsage(start);
  signRounds.push((cpu.user + cpu.system) / ITERATIONS);
}
console.log(
  `| smithy's own sign of the SDK v3 request (kept signer), same rounds as verifying it | ${median(signRounds).toFixed(1)} |`,
);
console.log(
  `\nverifySigV4 costs ${(median(verifyRounds) / median(signRounds)).toFixed(2)}× smithy's own sign of the same request (${median(verifyRounds).toFixed(1)} vs ${median(signRounds).toFixed(1)} µs, interleaved).`,
);
