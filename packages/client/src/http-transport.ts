import { CostApiError, type ErrorDetail } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Retries after the first attempt (default 3); 0 sends each request once. */
  retries: number;
  /** First backoff step (default 200 ms); each retry doubles it, with jitter. */
  baseDelayMs: number;
  /** Largest backoff step (default 5 s). */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown (default 30 s). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

export interface TransportOptions {
  /** The API base URL, e.g. `https://api.example.com/api/cost-management`. */
  baseUrl: string;
  apiKey: string;
  /** A retry count, or the whole policy. */
  retries?: number | Partial<RetryPolicy>;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Per attempt, default 10 s. */
  timeoutMs?: number;
  /** How to wait between attempts (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1) (default `Math.random`). */
  random?: () => number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  method: Method;
  /** Path under the base URL, already encoded. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  /**
   * Whether sending the request twice has the effect of sending it once. Only such requests are
   * sent again after a network error (the first may have arrived). 429 and 503 answers are retried
   * for every request: the service stores nothing for a rejected request.
   */
  idempotent: boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function isDetail(value: unknown): value is ErrorDetail {
  const v = value as { path?: unknown; message?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.path === 'string' && typeof v.message === 'string';
}

/** Builds the error of a non-2xx answer from its envelope, tolerating bodies that are not one. */
export async function errorFromResponse(res: Response): Promise<CostApiError> {
  const text = await res.text().catch(() => '');
  let envelope: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  try {
    envelope = text ? JSON.parse(text) : undefined;
  } catch {
    envelope = undefined;
  }
  const error = envelope?.error;
  return new CostApiError({
    status: res.status,
    code: typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
    message:
      typeof error?.message === 'string' ? error.message : `HTTP ${res.status} ${res.statusText}`.trim(),
    details: Array.isArray(error?.details) ? error.details.filter(isDetail) : [],
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
  });
}

/** Sends requests with the API key, retrying 429/503 (honouring `Retry-After`) and network errors. */
export class HttpTransport {
  readonly policy: RetryPolicy;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: TransportOptions) {
    const retries = options.retries;
    this.policy = {
      ...DEFAULT_RETRY_POLICY,
      ...(typeof retries === 'number' ? { retries } : (retries ?? {})),
    };
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.wait = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
  }

  /** Backoff before retry `attempt` (0-based): half the exponential step plus up to the other half. */
  backoffMs(attempt: number): number {
    const step = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** attempt);
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  /** Sends the request; answers the parsed JSON body (undefined for an empty one). */
  async json<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec);
    const text = await res.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw new CostApiError({
        status: res.status,
        code: 'INVALID_RESPONSE',
        message: `${spec.method} ${spec.path} answered ${res.status} with a body that is not JSON`,
        cause,
      });
    }
  }

  /** Sends the request and answers the successful response; throws a CostApiError otherwise. */
  async send(spec: RequestSpec): Promise<Response> {
    const url = this.url(spec);
    const headers: Record<string, string> = { 'x-api-key': this.apiKey, accept: 'application/json' };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.policy.retries;
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method: spec.method,
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (cause) {
        if (canRetry && spec.idempotent) {
          await this.wait(this.backoffMs(attempt));
          continue;
        }
        throw new CostApiError({
          status: 0,
          code: 'NETWORK_ERROR',
          message: `${spec.method} ${spec.path} failed: ${(cause as Error)?.message ?? String(cause)}`,
          cause,
        });
      }
      if (res.ok) return res;
      const error = await errorFromResponse(res);
      if (!canRetry || (res.status !== 429 && res.status !== 503)) throw error;
      const delay =
        error.retryAfterMs === undefined
          ? this.backoffMs(attempt)
          : error.retryAfterMs + Math.round(this.random() * this.policy.baseDelayMs);
      if (delay > this.policy.maxRetryAfterMs) throw error;
      await this.wait(delay);
    }
  }

  private url(spec: RequestSpec): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}${spec.path}${qs ? `?${qs}` : ''}`;
  }
}
