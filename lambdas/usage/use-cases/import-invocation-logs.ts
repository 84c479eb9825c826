import type { TrackUsageRequest } from '@cost-management/contract';
import { type InvocationUsageEvent, identityMapper, parseInvocationLog } from '@cost-management/core';
import { type TrackUsageDeps, trackUsageBatch } from './track-usage.js';

/** The user of a call that names none and whose identity maps to nobody: the money is still counted. */
export const UNATTRIBUTED_USER = 'unattributed';
/** Events recorded per store call (the ingest's batch size). */
export const INVOCATION_LOG_CHUNK = 25;

export interface InvocationLogConfig {
  /** The `requestMetadata` key that names the user. */
  userIdMetadataKey: string;
  /** IAM role, assumed-role session or user ARN → user id. */
  identityMap: Readonly<Record<string, string>>;
}

export interface ImportInvocationLogsDeps {
  ingest: TrackUsageDeps;
  config: InvocationLogConfig;
}

export interface ImportSummary {
  recorded: number;
  /** Records whose idempotency key was recorded before, whatever their other fields. */
  duplicates: number;
  /** Of the recorded ones, those recorded under {@link UNATTRIBUTED_USER}. */
  unattributed: number;
  /** A record the parser could not read (its reason), or an event the ingest refused (its error). */
  rejected: ({ index: number; message: string } | { index: number; error: unknown })[];
  skipped: { index: number; reason: string; message: string }[];
  /** Free-text fields of the records whose personal data was replaced (`records.3.operation`). */
  redacted: string[];
}

/** The track-usage event of a log record: the idempotency key is its requestId. */
export function toTrackEvent(event: InvocationUsageEvent): TrackUsageRequest {
  return {
    requestId: event.idempotencyKey,
    userId: event.userId ?? UNATTRIBUTED_USER,
    modelId: event.modelId,
    inputTokens: event.inputTokens,
    outputTokens: event.outputTokens,
    cacheReadInputTokens: event.cacheReadInputTokens,
    cacheWriteInputTokens: event.cacheWriteInputTokens,
    timestamp: event.timestamp,
    ...(event.operation !== null ? { operation: event.operation } : {}),
  };
}

/**
 * Records invocation log records of one tenant (the tenant comes from the caller, never from the
 * log content). Each record is parsed with the core parser; a usage event is recorded through
 * the ingest with its idempotency key as requestId, so a call the client wrapper already reported
 * (its `costRequestId`) and a record delivered twice are each one event. A key recorded before
 * counts as a duplicate whatever the record's other fields: a log record is evidence of a call,
 * not a report that could conflict with one.
 */
export async function importInvocationLogs(
  deps: ImportInvocationLogsDeps,
  tenantId: string,
  records: readonly unknown[],
  now: Date,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    recorded: 0,
    duplicates: 0,
    unattributed: 0,
    rejected: [],
    skipped: [],
    redacted: [],
  };
  const userOfIdentity = identityMapper(deps.config.identityMap);
  const events: { index: number; event: TrackUsageRequest }[] = [];
  records.forEach((record, index) => {
    const result = parseInvocationLog(record, {
      userIdMetadataKey: deps.config.userIdMetadataKey,
      userOfIdentity,
    });
    if (result.kind === 'usage') events.push({ index, event: toTrackEvent(result.event) });
    else if (result.kind === 'skipped') {
      summary.skipped.push({ index, reason: result.reason, message: result.message });
    } else summary.rejected.push({ index, message: `${result.reason}: ${result.message}` });
  });

  for (let start = 0; start < events.length; start += INVOCATION_LOG_CHUNK) {
    const chunk = events.slice(start, start + INVOCATION_LOG_CHUNK);
    const outcomes = await trackUsageBatch(
      deps.ingest,
      tenantId,
      chunk.map((c) => c.event),
      now,
    );
    outcomes.forEach((outcome, i) => {
      const { index, event } = chunk[i] as { index: number; event: TrackUsageRequest };
      if (outcome.kind === 'recorded' || outcome.kind === 'duplicate') {
        summary.redacted.push(...outcome.redacted.map((field) => `records.${index}.${field}`));
      }
      switch (outcome.kind) {
        case 'recorded':
          summary.recorded += 1;
          if (event.userId === UNATTRIBUTED_USER) summary.unattributed += 1;
          break;
        case 'duplicate':
        case 'conflict':
          summary.duplicates += 1;
          break;
        default:
          summary.rejected.push({ index, error: outcome.error });
      }
    });
  }
  summary.rejected.sort((a, b) => a.index - b.index);
  return summary;
}

/**
 * The identity mapping as configuration writes it: a JSON object of ARN → user id. Throws on
 * anything else, so a misconfigured function fails at cold start rather than misattributing.
 */
export function parseIdentityMap(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the identity map is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the identity map must be a JSON object of ARN → user id');
  }
  const map: Record<string, string> = {};
  for (const [arn, user] of Object.entries(value)) {
    if (!arn.startsWith('arn:') || typeof user !== 'string' || !/^[A-Za-z0-9._:@-]{1,128}$/.test(user)) {
      throw new Error(`the identity map entry ${JSON.stringify(arn)} must map an ARN to a user id`);
    }
    map[arn] = user;
  }
  return map;
}
