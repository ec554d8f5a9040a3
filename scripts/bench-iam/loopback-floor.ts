/**
 * The cost of one bare HTTP round trip on this machine's loopback (Node client → Node server,
 * keep-alive, a small form body and a small XML answer): the floor under every request the
 * benchmark makes, to Palisade, to DynamoDB Local and to moto alike.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { median, percentile } from './statistics.ts';

/** p50 and p99 in milliseconds of `iterations` sequential round trips after `warmup` more. */
export async function measureLoopbackFloor(
  iterations: number,
  warmup: number,
): Promise<{ p50: number; p99: number }> {
  const answer = `<GetUserResponse>${'x'.repeat(400)}</GetUserResponse>`;
  const server = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on('end', () => outgoing.writeHead(200, { 'content-type': 'text/xml' }).end(answer));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = 'Action=GetUser&Version=2010-05-08&UserName=bench-user-0001';
  const once = () =>
    new Promise<void>((done, failed) => {
      const sent = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
        },
        (response) => {
          response.resume();
          response.on('end', () => done());
        },
      );
      sent.on('error', failed);
      sent.end(body);
    });
  const samples: number[] = [];
  try {
    for (let index = 0; index < warmup + iterations; index++) {
      const started = performance.now();
      await once();
      if (index >= warmup) samples.push(performance.now() - started);
    }
  } finally {
    agent.destroy();
    await new Promise<void>((closed) => server.close(() => closed()));
  }
  return { p50: median(samples), p99: percentile(samples, 99) };
}
