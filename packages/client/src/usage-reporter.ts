import type { CostClient, TrackUsageEvent } from './cost-client.js';
import { CostApiError } from './errors.js';

/** Where tracking failed; passed to `onError`, which never changes the product call's outcome. */
export type TrackingStage = 'check' | 'report' | 'dropped';

export type TrackingErrorHandler = (
  error: unknown,
  context: { stage: TrackingStage; requestId?: string },
) => void;

export interface ReporterOptions {
  costClient: Pick<CostClient, 'trackUsage' | 'trackUsageBatch'>;
  onError?: TrackingErrorHandler | undefined;
  /** Reports kept for a later try; beyond it the oldest is dropped (default 10 000). */
  maxBuffered?: number | undefined;
  /** First background retry delay (default 1 s), doubling to `maxRetryDelayMs` (default 60 s). */
  retryDelayMs?: number | undefined;
  maxRetryDelayMs?: number | undefined;
}

export interface FlushResult {
  /** Reports the service accepted during this flush (recorded or already recorded). */
  sent: number;
  /** Reports the service rejected for good (validation, unknown model, idempotency conflict). */
  dropped: number;
  /** Reports still waiting (the service was unreachable or overloaded). */
  pending: number;
}

const BATCH_SIZE = 25;

/** A 4xx other than 429 will be answered the same however often it is sent: no point keeping it. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429;
}

/**
 * Sends usage reports without ever failing the caller. A report that cannot be delivered
 * (network error, 429, 5xx) waits in memory and is sent again in the background with
 * exponential backoff; `flush()` sends everything now. Reports keep their `requestId`, so a
 * report that did arrive before its answer was lost is not counted twice.
 */
export class UsageReporter {
  private readonly buffer: TrackUsageEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private draining: Promise<FlushResult> | undefined;
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(private readonly options: ReporterOptions) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
  }

  /** Reports waiting to be sent again (not counting those being sent right now). */
  pending(): number {
    return this.buffer.length;
  }

  /** Sends one report in the background; a failure buffers it. */
  report(event: TrackUsageEvent): void {
    const sending = this.sendOne(event).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /**
   * Waits for reports being sent, then sends every buffered report once (in batches of 25).
   * Answers when the buffer is empty or, when the service still fails, with what is left.
   */
  async flush(): Promise<FlushResult> {
    const result = await this.sendBuffered();
    this.schedule();
    return result;
  }

  /** Stops the background retries (buffered reports stay; `flush()` still sends them). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async sendBuffered(): Promise<FlushResult> {
    // Only the reports already on their way: under steady traffic new ones keep starting.
    await Promise.all([...this.inFlight]);
    if (this.draining) await this.draining.catch(() => undefined);
    this.draining = this.drain();
    try {
      return await this.draining;
    } finally {
      this.draining = undefined;
    }
  }

  private async sendOne(event: TrackUsageEvent): Promise<void> {
    try {
      await this.options.costClient.trackUsage(event);
    } catch (error) {
      if (error instanceof CostApiError && isPermanent(error.status)) {
        this.notify(error, 'dropped', event.requestId);
        return;
      }
      this.notify(error, 'report', event.requestId);
      this.enqueue([event]);
    }
  }

  private enqueue(events: TrackUsageEvent[]): void {
    this.buffer.push(...events);
    const excess = this.buffer.length - this.maxBuffered;
    if (excess > 0) {
      for (const lost of this.buffer.splice(0, excess)) {
        this.notify(new Error('usage report dropped: the buffer is full'), 'dropped', lost.requestId);
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.buffer.length === 0) return;
    const step = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** this.failures);
    const delay = Math.round(step / 2 + (Math.random() * step) / 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendBuffered().then((result) => {
        this.failures = result.pending > 0 ? this.failures + 1 : 0;
        this.schedule();
      });
    }, delay);
    this.timer.unref?.();
  }

  private async drain(): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, dropped: 0, pending: 0 };
    const batch = this.buffer.splice(0, this.buffer.length);
    const keep: TrackUsageEvent[] = [];
    for (let i = 0; i < batch.length; i += BATCH_SIZE) {
      const events = batch.slice(i, i + BATCH_SIZE);
      try {
        const { results } = await this.options.costClient.trackUsageBatch(events);
        events.forEach((event, j) => {
          const status = results[j]?.status ?? 0;
          if (status >= 200 && status < 300) result.sent++;
          else if (isPermanent(status)) {
            result.dropped++;
            this.notify(new Error(`usage report rejected with ${status}`), 'dropped', event.requestId);
          } else keep.push(event);
        });
      } catch (error) {
        this.notify(error, 'report');
        keep.push(...batch.slice(i));
        break;
      }
    }
    if (keep.length > 0) this.buffer.unshift(...keep);
    result.pending = this.buffer.length;
    return result;
  }

  private notify(error: unknown, stage: TrackingStage, requestId?: string): void {
    try {
      this.options.onError?.(error, { stage, ...(requestId ? { requestId } : {}) });
    } catch {
      // A failing error handler must not break tracking either.
    }
  }
}
