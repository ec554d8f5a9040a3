/**
 * Where webhooks may go: https URLs of public addresses, checked when a subscription is made and
 * again after DNS resolution on every attempt (the STS fetcher's guard, @palisade/sts, is the one
 * implementation). PALISADE_WEBHOOK_ALLOW_PRIVATE=1 lifts both for development and tests: plain
 * http and loopback, private and link-local addresses.
 */
import { isIP } from 'node:net';
import { fail, ok, type Result } from '@palisade/failures';
import { type GuardedDestinations, isPublicAddress } from '@palisade/sts';

/** The longest subscription URL accepted. */
export const MAX_URL_LENGTH = 2048;

/** The destinations webhooks may reach under the deployment's setting. */
export function webhookDestinations(allowPrivate: boolean): GuardedDestinations {
  return allowPrivate
    ? { allowHttp: true, mayConnect: (address) => isIP(address) !== 0 }
    : { allowHttp: false, mayConnect: isPublicAddress };
}

/**
 * Checks a subscription URL before it is stored: https (http too when private destinations are
 * allowed), no credentials, no fragment, at most MAX_URL_LENGTH, and no literal address the
 * attempt would refuse anyway. Names are resolved on each attempt, not here.
 */
export function checkSubscriptionUrl(text: string, allowPrivate: boolean): Result<URL> {
  if (text.length > MAX_URL_LENGTH) {
    return fail('request.invalid', `The url must be at most ${MAX_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('request.invalid', 'The url is not a valid absolute URL.');
  }
  const destinations = webhookDestinations(allowPrivate);
  if (url.protocol !== 'https:' && !(destinations.allowHttp && url.protocol === 'http:')) {
    return fail('request.invalid', 'The url must use https.');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    return fail('request.invalid', 'The url must not carry credentials or a fragment.');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 && !destinations.mayConnect(host)) {
    return fail(
      'request.invalid',
      'The url points at a loopback, private, link-local or metadata address, which webhooks may not reach.',
    );
  }
  return ok(url);
}
