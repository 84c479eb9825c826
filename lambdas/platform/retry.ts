/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  /** Delay of the first retry before jitter, in ms. */
  baseMs: number;
  /** Upper bound of the delay before jitter, in ms. */
  capMs?: number;
  /** Spread the delay over [0.5, 1.5) × its value, so competing writers do not retry in step (default true). */
  jitter?: boolean;
}

/** The pause before retry number `attempt` (1 for the first retry): exponential, capped, jittered. */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  const exponential = options.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = options.capMs === undefined ? exponential : Math.min(options.capMs, exponential);
  return options.jitter === false ? capped : capped * (0.5 + Math.random());
}

/** Waits the backoff of retry number `attempt`. */
export const backoff = (attempt: number, options: BackoffOptions): Promise<void> =>
  sleep(backoffMs(attempt, options));
