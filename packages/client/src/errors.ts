/** One field-level problem of a rejected request, as the API names it. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failed API call: an error answer of the service (`status` and `code` from the error
 * envelope) or a network failure after retries (`status` 0, `code` `NETWORK_ERROR`).
 */
export class CostApiError extends Error {
  override readonly name = 'CostApiError';
  /** HTTP status; 0 when no answer arrived (network error, timeout). */
  readonly status: number;
  /** The API error code (`VALIDATION_ERROR`, `THROTTLED`, …), `NETWORK_ERROR` or `HTTP_<status>`. */
  readonly code: string;
  readonly details: ErrorDetail[];
  /** From the `Retry-After` header, in milliseconds; undefined when the answer had none. */
  readonly retryAfterMs: number | undefined;

  constructor(input: {
    status: number;
    code: string;
    message: string;
    details?: ErrorDetail[];
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.status = input.status;
    this.code = input.code;
    this.details = input.details ?? [];
    this.retryAfterMs = input.retryAfterMs;
  }

  /** True for answers worth sending again later: no answer, 429, 5xx. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** What `/check` decided when it did not allow the call. */
export type ControlDecision = 'deny' | 'cache_only' | 'throttle';

/** Base of the errors the Bedrock wrapper throws instead of calling the model. */
export class CostControlError extends Error {
  override readonly name: string = 'CostControlError';
  readonly decision: ControlDecision;
  readonly userId: string;
  /** The model the call asked for. */
  readonly modelId: string;
  /** The control level that decided (`shutdown`, `severe`, `light` …). */
  readonly level: string;
  /** When to try again, in milliseconds (for a denial: until the period ends, when known). */
  readonly retryAfterMs: number;

  constructor(input: {
    decision: ControlDecision;
    userId: string;
    modelId: string;
    level: string;
    retryAfterMs: number;
    reason: string;
  }) {
    super(input.reason);
    this.decision = input.decision;
    this.userId = input.userId;
    this.modelId = input.modelId;
    this.level = input.level;
    this.retryAfterMs = input.retryAfterMs;
  }
}

/** Cost control denies every request of the user (`shutdown`): the model was not called. */
export class CostControlDeniedError extends CostControlError {
  override readonly name = 'CostControlDeniedError';
}

/**
 * Cost control allows answers from cache only (`severe`): the model was not called, and the
 * caller serves the request from its own cache (or tells its user it cannot).
 */
export class CostControlCacheOnlyError extends CostControlError {
  override readonly name = 'CostControlCacheOnlyError';
  /** The cheaper model `/check` named, should the caller's cache be keyed by model. */
  readonly suggestedModelId: string;

  constructor(input: ConstructorParameters<typeof CostControlError>[0] & { suggestedModelId: string }) {
    super(input);
    this.suggestedModelId = input.suggestedModelId;
  }
}

/** Still rate limited after waiting and checking again the configured number of times. */
export class CostControlThrottledError extends CostControlError {
  override readonly name = 'CostControlThrottledError';
}
