/**
 * IPv4 and IPv6 addresses and CIDR blocks for IpAddress / NotIpAddress. An address is kept as
 * eight 16-bit groups (IPv4 occupies the last two, flagged by `v4`), so one prefix test serves both.
 */

/** A parsed address: 8 groups of 16 bits. */
export interface IpValue {
  readonly v4: boolean;
  readonly groups: readonly number[];
}

/** A parsed CIDR block (a bare address is a /32 or /128). */
export interface IpBlock {
  readonly v4: boolean;
  readonly groups: readonly number[];
  readonly prefix: number;
}

function parseV4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  const [a, b, c, d] = bytes as [number, number, number, number];
  return [0, 0, 0, 0, 0, 0, (a << 8) | b, (c << 8) | d];
}

function parseV6(text: string): number[] | undefined {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) !== -1) {
    const v4 = parseV4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4.slice(6);
    body = body.slice(0, lastColon);
    // `::1.2.3.4` leaves `:`; put back the second colon of the `::`.
    if (body.endsWith(':')) body += ':';
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  const parseGroups = (list: string[]) => {
    const out: number[] = [];
    for (const g of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const h = parseGroups(head);
  const r = parseGroups(rest);
  if (h === undefined || r === undefined) return undefined;
  const known = h.length + r.length + tail.length;
  if (halves.length === 1) {
    if (known !== 8) return undefined;
    return [...h, ...r, ...tail];
  }
  if (known > 7) return undefined;
  return [...h, ...new Array<number>(8 - known).fill(0), ...r, ...tail];
}

/** Parses an IPv4 or IPv6 address (no prefix). */
export function parseIp(text: string): IpValue | undefined {
  if (text.includes(':')) {
    const groups = parseV6(text);
    return groups === undefined ? undefined : { v4: false, groups };
  }
  const groups = parseV4(text);
  return groups === undefined ? undefined : { v4: true, groups };
}

/** Parses `address[/prefix]`. */
export function parseIpBlock(text: string): IpBlock | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const max = ip.v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { v4: ip.v4, groups: ip.groups, prefix: ip.v4 ? prefix + 96 : prefix };
}

/** True when the address falls inside the block (IPv4 never matches an IPv6 block or back). */
export function blockContains(block: IpBlock, ip: IpValue): boolean {
  if (block.v4 !== ip.v4) return false;
  let bits = block.prefix;
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(bits, 16);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((block.groups[i] as number) & mask) !== ((ip.groups[i] as number) & mask)) return false;
    bits -= take;
  }
  return true;
}
