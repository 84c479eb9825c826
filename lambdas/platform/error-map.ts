import { CostManagementError, type ErrorDetail } from '@cost-management/core';
import { $ZodError } from 'zod/v4/core';
import { RateLimitedError, ThrottledError, UnavailableError } from './errors.js';

export interface ErrorResponse {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  retryAfterSeconds?: number;
}

/** The one place where error codes become HTTP statuses. */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_MODEL: 422,
  THROTTLED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** AWS SDK error names that mean "a dependency is overloaded or unreachable", not a bug. */
const TRANSIENT_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Turns a zod error into details that name each bad field once, by its dotted path. */
export function zodDetails(error: $ZodError, prefix = ''): ErrorDetail[] {
  const byPath = new Map<string, string[]>();
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    const entries: [string, string][] =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => [[base, k].filter(Boolean).join('.'), 'unknown field'])
        : [[base || '(body)', issue.message]];
    for (const [path, message] of entries) {
      const messages = byPath.get(path) ?? [];
      if (!messages.includes(message)) messages.push(message);
      byPath.set(path, messages);
    }
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
}

export function isTransientDependencyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (TRANSIENT_AWS_ERRORS.has(e.name)) return true;
  if (e.code && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'TransactionConflict');
  }
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof $ZodError) {
    return {
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'The request is invalid; see details.',
      details: zodDetails(error),
    };
  }
  if (error instanceof CostManagementError) {
    const response: ErrorResponse = {
      status: STATUS_BY_CODE[error.code] ?? 500,
      code: error.code,
      message: error.message,
      details: error.details,
    };
    if (
      error instanceof ThrottledError ||
      error instanceof RateLimitedError ||
      error instanceof UnavailableError
    ) {
      response.retryAfterSeconds = error.retryAfterSeconds;
    }
    return response;
  }
  if (isTransientDependencyError(error)) {
    return toErrorResponse(new UnavailableError());
  }
  return { status: 500, code: 'INTERNAL', message: 'Internal error.', details: [] };
}
