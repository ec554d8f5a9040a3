/**
 * ARNs (`arn:partition:service:region:account:resource`) and ARN patterns. Patterns match segment
 * by segment: `*` and `?` stay inside their segment, except in the last segment of the pattern,
 * which matches the rest of the ARN (so `arn:aws:s3:::*` and a trailing `*` cross `:`). The service
 * segment takes no wildcard. Nothing here knows a partition name: Palisade uses one partition for
 * the whole deployment and the caller's ARNs carry it.
 */
import { globMatchRanges, literalRangeEquals } from './glob.ts';

/** The six parts of an ARN; `resource` keeps any further colons. */
export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** Parses an ARN, or returns undefined when the text is not `arn:` followed by five more parts. */
export function parseArn(text: string): Arn | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const colons = colonPositions(text);
  if (colons.length < 5) return undefined;
  const [c0, c1, c2, c3, c4] = colons as [number, number, number, number, number];
  return {
    partition: text.slice(c0 + 1, c1),
    service: text.slice(c1 + 1, c2),
    region: text.slice(c2 + 1, c3),
    account: text.slice(c3 + 1, c4),
    resource: text.slice(c4 + 1),
  };
}

/** Positions of the first five colons of `text` (fewer when it has fewer). */
export function colonPositions(text: string): number[] {
  const colons: number[] = [];
  let at = text.indexOf(':');
  while (at !== -1 && colons.length < 5) {
    colons.push(at);
    at = text.indexOf(':', at + 1);
  }
  return colons;
}

const SERVICE_SEGMENT = 2;
const RESOURCE_SEGMENT = 5;

/**
 * Matches an ARN (with its colon positions precomputed once per request) against a pattern.
 * A pattern that does not start with `arn:` is matched against the whole text.
 */
export function matchArnPattern(pattern: string, text: string, textColons: readonly number[]): boolean {
  if (pattern === '*') return true;
  const plen = pattern.length;
  if (!pattern.startsWith('arn:')) return globMatchRanges(pattern, 0, plen, text, 0, text.length);
  let pStart = 0;
  for (let segment = 0; segment <= RESOURCE_SEGMENT; segment++) {
    const pEnd = segment < RESOURCE_SEGMENT ? pattern.indexOf(':', pStart) : -1;
    if (segment > 0 && textColons.length < segment) return false;
    const tStart = segment === 0 ? 0 : (textColons[segment - 1] as number) + 1;
    if (pEnd === -1) {
      // The pattern's last segment matches the remainder of the ARN, colons included.
      return segment === SERVICE_SEGMENT
        ? literalRangeEquals(pattern, pStart, plen, text, tStart, text.length)
        : globMatchRanges(pattern, pStart, plen, text, tStart, text.length);
    }
    if (textColons.length <= segment) return false;
    const tEnd = textColons[segment] as number;
    const ok =
      segment === SERVICE_SEGMENT
        ? literalRangeEquals(pattern, pStart, pEnd, text, tStart, tEnd)
        : globMatchRanges(pattern, pStart, pEnd, text, tStart, tEnd);
    if (!ok) return false;
    pStart = pEnd + 1;
  }
  return false;
}

/** The service segment of an ARN pattern, or undefined when the text is not ARN-shaped. */
export function arnPatternService(pattern: string): string | undefined {
  if (!pattern.startsWith('arn:')) return undefined;
  const parts = pattern.split(':');
  return parts.length >= 6 ? parts[2] : undefined;
}
