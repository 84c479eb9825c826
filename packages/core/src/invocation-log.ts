/*
 * Amazon Bedrock model invocation log records (`schemaType` `ModelInvocationLog`, as Bedrock
 * delivers them to CloudWatch Logs and, as gzipped JSON lines, to S3) read into usage events.
 *
 * One record is one model call: `timestamp`, `accountId`, `identity.arn`, `region`,
 * `requestId`, `operation`, `modelId`, `input.inputTokenCount`,
 * `input.cacheReadInputTokenCount`, `input.cacheWriteInputTokenCount`,
 * `output.outputTokenCount`, the caller's `requestMetadata` and, for a call that failed,
 * `errorCode`. Every record is classified on purpose — a usage event, a skip with its reason,
 * or a rejection with its reason — and nothing here throws on bad input.
 *
 * Pure: the caller reads files, gunzips, and decodes CloudWatch payloads (base64 + gzip).
 */

export const INVOCATION_LOG_SCHEMA_TYPE = 'ModelInvocationLog';
/** The `schemaVersion`s this parser knows; a record of another version is rejected, not guessed at. */
export const INVOCATION_LOG_SCHEMA_VERSIONS: readonly string[] = ['1.0'];
/** The `requestMetadata` key the client wrapper sets to its usage report's `requestId`. */
export const COST_REQUEST_ID_METADATA_KEY = 'costRequestId';
export const DEFAULT_USER_ID_METADATA_KEY = 'userId';
/** Prefix of the idempotency key of a record that carries no `costRequestId`. */
export const BEDROCK_REQUEST_KEY_PREFIX = 'bedrock:';

/** What kind of model a record is for, judged from its model id. */
export type InvocationModality = 'text' | 'embedding' | 'image' | 'video';

/** How the user of an event was found. */
export type Attribution = 'request-metadata' | 'identity' | 'none';

/** One model call of a log record, ready to be priced and recorded. */
export interface InvocationUsageEvent {
  /** `requestMetadata.costRequestId` when present (the wrapper's `requestId`), else `bedrock:{requestId}`. */
  idempotencyKey: string;
  /** From `requestMetadata`, else the identity mapping; null means the caller records it as unattributed. */
  userId: string | null;
  attribution: Attribution;
  /** As logged: a model id, an inference profile id or an ARN. */
  modelId: string;
  modality: 'text' | 'embedding';
  /** `Converse`, `ConverseStream`, `InvokeModel`, …; null when the record names none. */
  operation: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  /** ISO-8601 UTC, milliseconds. */
  timestamp: string;
  accountId: string;
  region: string;
  identityArn: string | null;
  bedrockRequestId: string;
  requestMetadata: Record<string, string>;
}

export type SkipReason = 'failed-invocation' | 'not-token-priced' | 'embedding-without-tokens';

export type RejectReason =
  | 'not-a-record'
  | 'unknown-schema-type'
  | 'unsupported-schema-version'
  | 'missing-field'
  | 'invalid-timestamp'
  | 'missing-token-counts'
  | 'invalid-token-count';

export type InvocationLogResult =
  | { kind: 'usage'; event: InvocationUsageEvent }
  /** A well-formed record that bills no tokens (a failed call, an image): nothing to count. */
  | { kind: 'skipped'; reason: SkipReason; message: string; bedrockRequestId: string | null }
  /** A record this parser cannot read: counted nowhere, reported to whoever sent it. */
  | { kind: 'rejected'; reason: RejectReason; message: string; bedrockRequestId: string | null };

export interface InvocationLogOptions {
  /** The `requestMetadata` key that names the user (default `userId`). */
  userIdMetadataKey?: string;
  /** Maps a caller identity (IAM role, assumed-role session or user ARN) to a user; undefined when unknown. */
  userOfIdentity?: (identityArn: string) => string | null | undefined;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

const IMAGE_MODELS = [
  /titan-image-generator/,
  /nova-canvas/,
  /^stability\./,
  /stable-diffusion/,
  /stable-image/,
];
const VIDEO_MODELS = [/nova-reel/, /^luma\./, /\.ray-v/];
const EMBEDDING_MODELS = [/embed/];

/** The modality of a model id, in any of its spellings (profile prefixes and ARNs included). */
export function modalityOf(modelId: string): InvocationModality {
  const lower = modelId.toLowerCase();
  const bare = lower.slice(lower.lastIndexOf('/') + 1).replace(/^(?:us|eu|apac|jp|au|us-gov|global)\./, '');
  if (IMAGE_MODELS.some((re) => re.test(bare))) return 'image';
  if (VIDEO_MODELS.some((re) => re.test(bare))) return 'video';
  if (EMBEDDING_MODELS.some((re) => re.test(bare))) return 'embedding';
  return 'text';
}

/** The string entries of `requestMetadata` (Bedrock allows only strings; anything else is ignored). */
function metadataOf(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') result[key] = entry;
  }
  return result;
}

type Count = { ok: true; value: number | undefined } | { ok: false; message: string };

function countAt(holder: unknown, field: string, path: string): Count {
  const value = isObject(holder) ? holder[field] : undefined;
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return { ok: false, message: `${path} must be a non-negative integer, got ${JSON.stringify(value)}` };
  }
  return { ok: true, value };
}

function rejected(reason: RejectReason, message: string, requestId: unknown): InvocationLogResult {
  return { kind: 'rejected', reason, message, bedrockRequestId: nonEmpty(requestId) ? requestId : null };
}

/** Reads one invocation log record (an already parsed JSON value). Never throws. */
export function parseInvocationLog(record: unknown, options: InvocationLogOptions = {}): InvocationLogResult {
  if (!isObject(record)) return rejected('not-a-record', 'a log record must be a JSON object', undefined);
  const requestId = record.requestId;
  if (record.schemaType !== INVOCATION_LOG_SCHEMA_TYPE) {
    return rejected(
      'unknown-schema-type',
      `schemaType ${JSON.stringify(record.schemaType ?? null)} is not ${INVOCATION_LOG_SCHEMA_TYPE}`,
      requestId,
    );
  }
  const version = record.schemaVersion;
  if (typeof version !== 'string' || !INVOCATION_LOG_SCHEMA_VERSIONS.includes(version)) {
    return rejected(
      'unsupported-schema-version',
      `schemaVersion ${JSON.stringify(version ?? null)} is not one of ${INVOCATION_LOG_SCHEMA_VERSIONS.join(', ')}`,
      requestId,
    );
  }
  for (const field of ['requestId', 'modelId', 'timestamp', 'accountId', 'region'] as const) {
    if (!nonEmpty(record[field])) return rejected('missing-field', `${field} is missing`, requestId);
  }
  const bedrockRequestId = record.requestId as string;
  const modelId = record.modelId as string;

  if (nonEmpty(record.errorCode)) {
    return {
      kind: 'skipped',
      reason: 'failed-invocation',
      message: `the invocation failed (${record.errorCode}): no tokens are billed`,
      bedrockRequestId,
    };
  }
  const modality = modalityOf(modelId);
  if (modality === 'image' || modality === 'video') {
    return {
      kind: 'skipped',
      reason: 'not-token-priced',
      message: `${modelId} generates ${modality === 'image' ? 'images' : 'video'}, priced per output, not per token`,
      bedrockRequestId,
    };
  }

  const millis = Date.parse(record.timestamp as string);
  if (Number.isNaN(millis)) {
    return rejected(
      'invalid-timestamp',
      `timestamp ${JSON.stringify(record.timestamp)} is not a date`,
      requestId,
    );
  }

  const counts = {
    input: countAt(record.input, 'inputTokenCount', 'input.inputTokenCount'),
    cacheRead: countAt(record.input, 'cacheReadInputTokenCount', 'input.cacheReadInputTokenCount'),
    cacheWrite: countAt(record.input, 'cacheWriteInputTokenCount', 'input.cacheWriteInputTokenCount'),
    output: countAt(record.output, 'outputTokenCount', 'output.outputTokenCount'),
  };
  for (const count of Object.values(counts)) {
    if (!count.ok) return rejected('invalid-token-count', count.message, requestId);
  }
  // Every count is ok from here on.
  const value = (count: Count) => (count as { value: number | undefined }).value;
  const inputTokens = value(counts.input);
  let outputTokens = value(counts.output);
  if (modality === 'embedding') {
    if (inputTokens === undefined) {
      return {
        kind: 'skipped',
        reason: 'embedding-without-tokens',
        message: `the embedding call of ${modelId} logged no input token count`,
        bedrockRequestId,
      };
    }
    // Embeddings are priced on input tokens only.
    outputTokens = 0;
  }
  if (inputTokens === undefined || outputTokens === undefined) {
    const missing = [
      inputTokens === undefined ? 'input.inputTokenCount' : null,
      outputTokens === undefined ? 'output.outputTokenCount' : null,
    ].filter((m) => m !== null);
    return rejected('missing-token-counts', `${missing.join(' and ')} missing`, requestId);
  }

  const metadata = metadataOf(record.requestMetadata);
  const costRequestId = metadata[COST_REQUEST_ID_METADATA_KEY];
  const identityArn = isObject(record.identity) && nonEmpty(record.identity.arn) ? record.identity.arn : null;
  const fromMetadata = metadata[options.userIdMetadataKey ?? DEFAULT_USER_ID_METADATA_KEY];
  const fromIdentity =
    identityArn && options.userOfIdentity ? options.userOfIdentity(identityArn) : undefined;
  const [userId, attribution]: [string | null, Attribution] = nonEmpty(fromMetadata)
    ? [fromMetadata, 'request-metadata']
    : nonEmpty(fromIdentity)
      ? [fromIdentity, 'identity']
      : [null, 'none'];

  return {
    kind: 'usage',
    event: {
      idempotencyKey: nonEmpty(costRequestId)
        ? costRequestId
        : `${BEDROCK_REQUEST_KEY_PREFIX}${bedrockRequestId}`,
      userId,
      attribution,
      modelId,
      modality,
      operation: nonEmpty(record.operation) ? record.operation : null,
      inputTokens,
      outputTokens,
      cacheReadInputTokens: value(counts.cacheRead) ?? 0,
      cacheWriteInputTokens: value(counts.cacheWrite) ?? 0,
      timestamp: new Date(millis).toISOString(),
      accountId: record.accountId as string,
      region: record.region as string,
      identityArn,
      bedrockRequestId,
      requestMetadata: metadata,
    },
  };
}

/**
 * A mapping of IAM identities to users, as configuration gives it: keys are role ARNs
 * (`arn:aws:iam::123456789012:role/batch`), assumed-role sessions
 * (`arn:aws:sts::123456789012:assumed-role/batch/nightly`) or user ARNs. A session matches its
 * own entry first, then its role's; an assumed-role session also matches the role's IAM ARN.
 */
export function identityMapper(
  mapping: Readonly<Record<string, string>>,
): (arn: string) => string | undefined {
  return (arn) => {
    if (Object.hasOwn(mapping, arn)) return mapping[arn];
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
    if (!session) return undefined;
    const [, partition, account, role] = session;
    for (const key of [
      `arn:${partition}:sts::${account}:assumed-role/${role}`,
      `arn:${partition}:iam::${account}:role/${role}`,
    ]) {
      if (Object.hasOwn(mapping, key)) return mapping[key];
    }
    return undefined;
  };
}

/** Records taken out of a delivery, and the pieces that were not JSON. */
export interface SplitRecords {
  records: unknown[];
  /** `position`: the 1-based line of a JSON-lines text, or the 0-based index of a log event. */
  errors: { position: number; message: string }[];
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `not JSON: ${(error as Error).message}` };
  }
}

/** Splits newline-delimited JSON (the S3 delivery, once gunzipped) into records; blank lines are skipped. */
export function recordsFromJsonLines(text: string): SplitRecords {
  const result: SplitRecords = { records: [], errors: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = parseJson(line);
    if (parsed.ok) result.records.push(parsed.value);
    else result.errors.push({ position: index + 1, message: parsed.message });
  });
  return result;
}

/**
 * Takes the records out of a CloudWatch Logs subscription payload, already decoded
 * (`{messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{id, timestamp, message}]}`).
 * A `CONTROL_MESSAGE` (CloudWatch checking that the destination is reachable) carries none.
 */
export function recordsFromSubscription(payload: unknown): SplitRecords & { control: boolean } {
  if (!isObject(payload)) {
    return {
      records: [],
      errors: [{ position: 0, message: 'a subscription payload must be a JSON object' }],
      control: false,
    };
  }
  if (payload.messageType === 'CONTROL_MESSAGE') return { records: [], errors: [], control: true };
  if (payload.messageType !== 'DATA_MESSAGE' || !Array.isArray(payload.logEvents)) {
    return {
      records: [],
      errors: [
        { position: 0, message: 'not a CloudWatch Logs subscription payload (DATA_MESSAGE with logEvents)' },
      ],
      control: false,
    };
  }
  const result: SplitRecords & { control: boolean } = { records: [], errors: [], control: false };
  payload.logEvents.forEach((event: unknown, index) => {
    const message = isObject(event) ? event.message : undefined;
    if (typeof message !== 'string') {
      result.errors.push({ position: index, message: 'log event has no message' });
      return;
    }
    const parsed = parseJson(message);
    if (parsed.ok) result.records.push(parsed.value);
    else result.errors.push({ position: index, message: parsed.message });
  });
  return result;
}

/** Whether a decoded JSON value looks like a subscription payload rather than a record. */
export function isSubscriptionPayload(value: unknown): boolean {
  return isObject(value) && (value.messageType === 'DATA_MESSAGE' || value.messageType === 'CONTROL_MESSAGE');
}
