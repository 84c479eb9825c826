import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { WebhookSender } from './senders.js';

/** `v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with the user's webhook secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function ipv4Private(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Loopback, private, link-local, carrier-grade NAT, unique-local, multicast or unspecified. */
export function isNonPublicAddress(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (isIP(lower) === 4) return ipv4Private(lower);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Private(mapped[1] as string);
  return (
    lower === '::' ||
    lower === '::1' ||
    lower.startsWith('fe8') ||
    lower.startsWith('fe9') ||
    lower.startsWith('fea') ||
    lower.startsWith('feb') ||
    lower.startsWith('fc') ||
    lower.startsWith('fd') ||
    lower.startsWith('ff')
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
