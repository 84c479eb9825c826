import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { WebhookSender } from '../ports/senders.js';

/** `v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the user's webhook secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function ipv4Private(ip: string): boolean {
  const [a = 0, b = 0, c = 0] = ip.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted quad included), or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail, ...rest] = text.split('::');
  if (rest.length > 0) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return undefined;
  const groups = [...left, ...Array<number>(fill).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const ipv4Of = (high: number, low: number): string => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * Loopback, private, link-local, carrier-grade NAT, unique-local, multicast or unspecified, also
 * when written as IPv6 that carries an IPv4 address (mapped `::ffff:7f00:1`, compatible, NAT64,
 * 6to4). Anything that does not parse counts as non-public.
 */
export function isNonPublicAddress(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (isIP(lower) === 4) return ipv4Private(lower);
  const g = isIP(lower) === 6 ? ipv6Groups(lower) : undefined;
  if (!g) return true;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (mapped): the IPv4 address decides.
  if (zeroPrefix && g5 === 0xffff) return ipv4Private(ipv4Of(g6, g7));
  // ::/96 (unspecified, loopback, deprecated IPv4-compatible).
  if (zeroPrefix && g5 === 0) return true;
  // 64:ff9b::/96 (NAT64): the embedded IPv4 address decides; 64:ff9b:1::/48 (local NAT64) is private.
  if (g0 === 0x64 && g1 === 0xff9b) {
    return g2 === 1 || !(g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) || ipv4Private(ipv4Of(g6, g7));
  }
  // 2002::/16 (6to4): the embedded IPv4 address decides.
  if (g0 === 0x2002) return ipv4Private(ipv4Of(g1, g2));
  return (
    (g0 & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (g0 & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (g0 & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated)
    (g0 & 0xff00) === 0xff00 || // ff00::/8 multicast
    (g0 === 0x2001 && g1 === 0x0db8) || // documentation
    (g0 === 0x2001 && g1 === 0) || // Teredo
    (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) // discard-only
  );
}

export type Resolver = (host: string) => Promise<string[]>;

const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Deployed-mode guard: https only, and every address the host resolves to must be public. Returns
 * the address to connect to, so the request cannot be pointed elsewhere by a second DNS answer
 * (rebinding). The local runtime passes `allowPrivate` so a receiver on loopback (tests, a
 * developer's tool) works; it returns undefined then (ordinary resolution).
 */
export async function assertSafeTarget(
  url: string,
  allowPrivate: boolean,
  resolve = dnsResolver,
): Promise<string | undefined> {
  const target = new URL(url);
  if (allowPrivate) {
    if (target.protocol !== 'https:' && target.protocol !== 'http:')
      throw new Error('webhook must be http(s)');
    return undefined;
  }
  if (target.protocol !== 'https:') throw new Error('webhook target must use https');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.length === 0 || addresses.some(isNonPublicAddress)) {
    throw new Error('webhook target resolves to a non-public address');
  }
  return addresses[0];
}

/** Signed POST with a timeout, to the checked address; redirects are not followed; anything but 2xx fails. */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly options: { allowPrivate: boolean; timeoutMs?: number; resolve?: Resolver }) {}

  async send(url: string, secret: string, body: string): Promise<void> {
    const pinned = await assertSafeTarget(url, this.options.allowPrivate, this.options.resolve);
    const timestamp = Math.floor(Date.now() / 1000);
    const target = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'cost-management-webhook/1',
            'x-cost-timestamp': String(timestamp),
            'x-cost-signature': webhookSignature(secret, timestamp, body),
          },
          timeout: this.options.timeoutMs ?? 5000,
          ...(pinned
            ? {
                lookup: ((_host: string, opts: { all?: boolean }, callback: PinnedCallback) => {
                  const family = isIP(pinned);
                  if (opts?.all) callback(null, [{ address: pinned, family }]);
                  else callback(null, pinned, family);
                }) as unknown as RequestOptions['lookup'],
              }
            : {}),
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('webhook timed out')));
      request.on('error', reject);
      request.end(body);
    });
    if (status < 200 || status >= 300) throw new Error(`webhook answered ${status}`);
  }
}

type PinnedCallback = (
  error: Error | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;
