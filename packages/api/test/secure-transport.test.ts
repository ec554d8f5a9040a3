import { describe, expect, it } from 'vitest';
import { secureTransportOf } from '../src/client-address.ts';

const PROXY = { header: 'x-forwarded-for', hops: 1 };

describe('secureTransportOf', () => {
  it('reads the URL’s scheme when no proxy is trusted, whatever X-Forwarded-Proto says', () => {
    expect(secureTransportOf('https://palisade.test/', undefined, undefined)).toBe(true);
    expect(secureTransportOf('http://palisade.test/', undefined, undefined)).toBe(false);
    expect(secureTransportOf('http://palisade.test/', 'https', undefined)).toBe(false);
  });

  it('takes the scheme the outermost trusted proxy received', () => {
    expect(secureTransportOf('http://10.0.0.5/', 'https', PROXY)).toBe(true);
    expect(secureTransportOf('http://10.0.0.5/', 'HTTPS', PROXY)).toBe(true);
    expect(secureTransportOf('https://10.0.0.5/', 'http', PROXY)).toBe(false);
    // Two proxies: each appends the scheme it received; the outer one's entry is second from the right.
    expect(secureTransportOf('http://10.0.0.5/', 'https, http', { ...PROXY, hops: 2 })).toBe(true);
    expect(secureTransportOf('http://10.0.0.5/', 'http, https', { ...PROXY, hops: 1 })).toBe(true);
    expect(secureTransportOf('http://10.0.0.5/', 'http, https', { ...PROXY, hops: 2 })).toBe(false);
  });

  it('falls back to the URL when the proxy chain is short or the value is not a scheme', () => {
    expect(secureTransportOf('http://10.0.0.5/', 'https', { ...PROXY, hops: 2 })).toBe(false);
    expect(secureTransportOf('http://10.0.0.5/', 'tls', PROXY)).toBe(false);
  });
});
