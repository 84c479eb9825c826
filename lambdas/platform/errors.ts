import { CostManagementError, type ErrorDetail } from '@cost-management/core';

export class UnauthorizedError extends CostManagementError {
  readonly code = 'UNAUTHORIZED';
  constructor(message = 'Missing or unknown API key: send a valid key in the x-api-key header.') {
    super(message);
  }
}

/** The key is valid but its role may not call this route. */
export class ForbiddenError extends CostManagementError {
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends CostManagementError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends CostManagementError {
  readonly code = 'CONFLICT';
}

export class IdempotencyConflictError extends CostManagementError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor(requestId: string) {
    super(
      `requestId '${requestId}' was already recorded with a different body; use a new requestId for a new call.`,
      [{ path: 'requestId', message: 'already used with a different body' }],
    );
  }
}

export class PayloadTooLargeError extends CostManagementError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Cost control asks the caller to wait: retry after `retryAfterSeconds` (a request rate over its limit is `RateLimitedError`, same code). */
export class ThrottledError extends CostManagementError {
  readonly code = 'THROTTLED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details: ErrorDetail[] = [],
  ) {
    super(message, details);
  }
}

/**
 * The tenant sent more requests than its rate limit allows (the local runtime's per-tenant
 * buckets; API Gateway answers the same code from its usage plans): nothing reached a handler.
 * The contract's code for every 429 is `THROTTLED`; the message says which limit it was.
 */
export class RateLimitedError extends CostManagementError {
  readonly code = 'THROTTLED';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests for this tenant; retry after the Retry-After interval.',
  ) {
    super(message);
  }
}

/** A dependency failed after its retries; nothing was written. */
export class UnavailableError extends CostManagementError {
  readonly code = 'UNAVAILABLE';
  constructor(
    message = 'A dependency is unavailable; nothing was written. Retry after the Retry-After interval.',
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/** Model ids outside the pricing catalog in fields other than `modelId` (e.g. a downgrade map): 422. */
export class UnknownModelsError extends CostManagementError {
  readonly code = 'UNKNOWN_MODEL';
}
