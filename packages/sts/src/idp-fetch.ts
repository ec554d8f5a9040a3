/**
 * The one way Palisade sends a request out (STS's OIDC discovery and JWKS fetches, outbound
 * webhooks): the host is resolved first and every address checked, then the connection goes to
 * the checked address (so a second DNS answer cannot swap it); no redirects; the body is capped
 * while it streams; one deadline covers resolution, connection and body. Loopback and plain http
 * only for a development deployment.
 */
import { lookup as systemLookup } from 'node:dns/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { fail, ok, type Result } from '@palisade/failures';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses (injectable, so tests can map names to any address). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system's resolver (getaddrinfo), every address it knows. */
export const systemResolver: HostResolver = async (hostname) =>
  (await systemLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/** How a fetch is bounded. */
export interface IdpFetchOptions {
  /** Plain http and loopback addresses are allowed (an explicit development flag only). */
  readonly allowLoopback: boolean;
  readonly resolveHost: HostResolver;
  /** One deadline for resolution, connection, headers and body. */
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** The message AWS answers when it cannot get a provider's keys. */
export const COULD_NOT_FETCH =
  "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements";
const UNREACHABLE = 'The identity provider could not be reached in time; retry later.';

// Everything that is not a public unicast address. IPv4-mapped IPv6 forms (::ffff:a.b.c.d) are
// matched against the IPv4 rules by BlockList itself.
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64: reaches any IPv4 address, private ones included
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds any IPv4 address
  ['fc00::', 7], // unique local, cloud metadata (fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined;
}

/** True when `address` is a public unicast IP address (not loopback, private, link-local, metadata…). */
export function isPublicAddress(address: string): boolean {
  const family = familyOf(address);
  return family !== undefined && !NOT_PUBLIC.check(address, family);
}

function isLoopbackAddress(address: string): boolean {
  const family = familyOf(address);
  return family !== undefined && LOOPBACK.check(address, family);
}

function mayConnect(address: string, allowLoopback: boolean): boolean {
  return isPublicAddress(address) || (allowLoopback && isLoopbackAddress(address));
}

/** Which destinations a guarded request may reach. */
export interface GuardedDestinations {
  /** Plain http as well as https. */
  readonly allowHttp: boolean;
  /** Whether a resolved address may be connected to (every address of the name must pass). */
  readonly mayConnect: (address: string) => boolean;
}

/** A request to send through {@link sendGuardedRequest}. */
export interface GuardedRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What a guarded request came to: an answer (any status, redirects included, never followed) or why none. */
export type GuardedResponse =
  | { readonly kind: 'answered'; readonly status: number; readonly body: Buffer }
  /** Not sent, or its answer not taken: scheme, credentials in the URL, an address refused, a body over the cap. */
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: 'timeout' | 'connection' };

/** The destinations OIDC fetches may reach: public addresses over https, loopback over http for development. */
export function idpDestinations(allowLoopback: boolean): GuardedDestinations {
  return { allowHttp: allowLoopback, mayConnect: (address) => mayConnect(address, allowLoopback) };
}

/**
 * Sends one request to `url`: the host is resolved and every address checked, the socket connects
 * to the checked address, redirects are answers (never followed), the answer's body is capped while
 * it streams, and one deadline covers resolution, connection and body. Never throws.
 */
export async function sendGuardedRequest(
  url: URL,
  request: GuardedRequest,
  options: Pick<IdpFetchOptions, 'resolveHost' | 'timeoutMs' | 'maxBytes'> & {
    readonly destinations: GuardedDestinations;
  },
): Promise<GuardedResponse> {
  const schemeAllowed =
    url.protocol === 'https:' || (options.destinations.allowHttp && url.protocol === 'http:');
  if (!schemeAllowed) return { kind: 'refused', reason: `scheme ${url.protocol} is not allowed` };
  if (url.username !== '' || url.password !== '')
    return { kind: 'refused', reason: 'credentials in the URL' };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  try {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(hostname);
    let addresses: readonly ResolvedAddress[];
    if (family !== 0) {
      addresses = [{ address: hostname, family: family === 6 ? 6 : 4 }];
    } else {
      const resolved = await untilAborted(options.resolveHost(hostname), deadline.signal);
      if (!resolved.ok) {
        return deadline.signal.aborted
          ? { kind: 'unreachable', reason: 'timeout' }
          : { kind: 'refused', reason: 'the host name does not resolve' };
      }
      addresses = resolved.value;
    }
    // INVARIANT: every address the name has is checked, and the socket connects to the first one
    // (the pinned lookup below); a name with one bad address is refused as a whole.
    const pinned = addresses[0];
    if (!pinned || !addresses.every((entry) => options.destinations.mayConnect(entry.address))) {
      return { kind: 'refused', reason: 'the destination address is not allowed' };
    }
    return await send(url, request, pinned, options.maxBytes, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GETs `url` and parses its JSON body. Refusals (scheme, address, redirect, size, not JSON) are
 * `credentials.invalid-identity-token`; a provider that cannot be reached in time or answers 5xx is
 * `credentials.idp-unreachable`. Never throws.
 */
export async function fetchIdpJson(url: URL, options: IdpFetchOptions): Promise<Result<unknown>> {
  const refused = fail('credentials.invalid-identity-token', COULD_NOT_FETCH);
  const answer = await sendGuardedRequest(
    url,
    { method: 'GET', headers: { accept: 'application/json' } },
    { ...options, destinations: idpDestinations(options.allowLoopback) },
  );
  if (answer.kind === 'unreachable') return fail('credentials.idp-unreachable', UNREACHABLE);
  if (answer.kind === 'refused') return refused;
  if (answer.status >= 500) return fail('credentials.idp-unreachable', UNREACHABLE);
  // Redirects are never followed: their target would escape the address check.
  if (answer.status !== 200) return refused;
  try {
    return ok(JSON.parse(answer.body.toString('utf8')) as unknown);
  } catch {
    return refused;
  }
}

async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<Result<T>> {
  const aborted = new Promise<Result<T>>((resolve) => {
    signal.addEventListener('abort', () => resolve(fail('credentials.idp-unreachable', UNREACHABLE)), {
      once: true,
    });
  });
  const settled = promise.then(
    (value) => ok(value),
    () => fail('credentials.invalid-identity-token', COULD_NOT_FETCH),
  );
  return Promise.race([settled, aborted]);
}

function send(
  url: URL,
  outgoing: GuardedRequest,
  pinned: ResolvedAddress,
  maxBytes: number,
  signal: AbortSignal,
): Promise<GuardedResponse> {
  // The socket's own lookup answers with the address already checked: no second DNS query.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  return new Promise((resolve) => {
    let settled = false;
    let request: ClientRequest | undefined;
    const finish = (outcome: GuardedResponse) => {
      if (settled) return;
      settled = true;
      request?.destroy();
      resolve(outcome);
    };
    const timedOut: GuardedResponse = { kind: 'unreachable', reason: 'timeout' };
    const broken: GuardedResponse = { kind: 'unreachable', reason: 'connection' };
    const tooLarge: GuardedResponse = {
      kind: 'refused',
      reason: `the answer is larger than ${maxBytes} bytes`,
    };
    if (signal.aborted) return finish(timedOut);
    signal.addEventListener('abort', () => finish(timedOut), { once: true });
    const sendTo = url.protocol === 'https:' ? httpsRequest : httpRequest;
    request = sendTo(url, {
      method: outgoing.method,
      headers: outgoing.headers,
      lookup,
      // A fresh connection per request: a pooled socket could have been opened for another address.
      agent: false,
    });
    request.on('error', () => finish(broken));
    request.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) return finish(tooLarge);
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return finish(tooLarge);
        chunks.push(chunk);
      });
      response.on('end', () => finish({ kind: 'answered', status, body: Buffer.concat(chunks) }));
      response.on('error', () => finish(broken));
      response.on('aborted', () => finish(broken));
    });
    request.end(outgoing.body);
  });
}
