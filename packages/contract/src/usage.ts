import * as z from 'zod/mini';
import { ControlLevelName } from './control.js';
import {
  Id,
  IsoDay,
  IsoTimestamp,
  ModelIdInput,
  RedactedFields,
  TokenCount,
  UsdOut,
  UserId,
} from './primitives.js';

export const MAX_TAGS = 20;
export const MAX_BATCH_EVENTS = 25;

const TagKey = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9._:\-/]+$/, 'may contain only letters, digits and . _ : - /'),
  );

export const Tags = z
  .record(TagKey, z.string().check(z.maxLength(256)))
  .check(z.refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`));

export const TrackUsageRequest = z.strictObject({
  requestId: Id.check(
    z.describe('Idempotency key: a retry with the same body is answered, not counted again.'),
  ),
  userId: UserId,
  modelId: ModelIdInput,
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheReadInputTokens: z._default(TokenCount, 0),
  cacheWriteInputTokens: z._default(TokenCount, 0),
  timestamp: z.optional(IsoTimestamp),
  operation: z.optional(
    z.string().check(
      z.minLength(1),
      z.maxLength(100),
      z.refine(
        (text) => ![...text].some((c) => c.charCodeAt(0) < 0x20),
        'must not contain control characters',
      ),
    ),
  ),
  tags: z.optional(Tags),
  latencyMs: z.optional(z.int().check(z.gte(0), z.lte(3_600_000))),
});
export type TrackUsageRequest = z.input<typeof TrackUsageRequest>;

export const UsageBreakdown = z.object({
  inputUsd: UsdOut,
  outputUsd: UsdOut,
  cacheReadUsd: UsdOut,
  cacheWriteUsd: UsdOut,
});

export const TrackUsageResponse = z.object({
  requestId: z.string(),
  userId: z.string(),
  modelId: z.string(),
  timestamp: z.string(),
  /** False for a well-formed model id without a price yet: recorded, priced later exactly once. */
  priced: z.boolean(),
  costUsd: z.nullable(UsdOut),
  breakdown: z.nullable(UsageBreakdown),
  priceVersion: z.nullable(z.string()),
  duplicate: z.boolean(),
  redacted: RedactedFields,
});
export type TrackUsageResponse = z.infer<typeof TrackUsageResponse>;

export const TrackUsageBatchRequest = z.strictObject({
  events: z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_BATCH_EVENTS)),
});

export const TrackUsageBatchResponse = z.object({
  results: z.array(
    z.catchall(
      z.object({
        requestId: z.nullable(z.string()),
        status: z.int(),
        /** On a recorded or duplicate event: its redacted free-text fields. */
        redacted: z.optional(RedactedFields),
        error: z.optional(
          z.object({
            code: z.string(),
            message: z.string(),
            details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
          }),
        ),
      }),
      z.unknown(),
    ),
  ),
});

export const ExportQuery = z.strictObject({
  from: z.optional(IsoDay),
  to: z.optional(IsoDay),
  format: z._default(z.enum(['csv', 'json']), 'json'),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 1000),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

/** Largest number of invocation log records in one `POST /invocation-logs`. */
export const MAX_INVOCATION_LOG_RECORDS = 500;

export const InvocationLogsRequest = z.strictObject({
  records: z
    .array(z.unknown())
    .check(
      z.minLength(1),
      z.maxLength(MAX_INVOCATION_LOG_RECORDS),
      z.describe('Amazon Bedrock `ModelInvocationLog` records, as Bedrock delivers them.'),
    ),
});

const CountOut = z.int().check(z.gte(0));

export const InvocationLogsResponse = z.object({
  recorded: CountOut.check(z.describe('Records recorded now as usage events.')),
  duplicates: CountOut.check(
    z.describe('Records whose idempotency key was already recorded (this route or /track-usage).'),
  ),
  unattributed: CountOut.check(z.describe('Of the recorded ones, those recorded under user `unattributed`.')),
  rejected: z.array(z.object({ index: z.int(), message: z.string() })),
  skipped: z.array(z.object({ index: z.int(), reason: z.string(), message: z.string() })),
  redacted: RedactedFields,
});

export const ReconciliationQuery = z.strictObject({
  from: z.optional(IsoDay),
  to: z.optional(IsoDay),
});

const GapFiguresOut = z.object({
  trackedUsd: UsdOut,
  billedUsd: UsdOut,
  gapUsd: z
    .number()
    .check(z.describe('billedUsd − trackedUsd: positive when AWS billed more than was tracked.')),
  gapPercent: z.number(),
});

export const ReconciliationResponse = z.object({
  items: z.array(
    z.extend(GapFiguresOut, {
      date: z.string(),
      region: z
        .string()
        .check(
          z.describe(
            '`all` while tracked usage carries no Region: days and models are compared across Regions.',
          ),
        ),
      modelId: z.nullable(z.string()),
    }),
  ),
  totals: GapFiguresOut,
});

/** Usage recorded without a price, by model (tokens of each kind, first and last event time). */
export const UnpricedResponse = z.object({
  items: z.array(
    z.object({
      modelId: z.string(),
      events: z.int(),
      inputTokens: z.int(),
      outputTokens: z.int(),
      cacheReadInputTokens: z.int(),
      cacheWriteInputTokens: z.int(),
      firstSeen: z.nullable(z.string()),
      lastSeen: z.nullable(z.string()),
    }),
  ),
});
export type UnpricedResponse = z.infer<typeof UnpricedResponse>;

/** `GET /users`: the users of the tenant by spend over a range of UTC days, a page at a time. */
export const TenantUsersQuery = z.strictObject({
  from: z.optional(IsoDay),
  to: z.optional(IsoDay),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export const TenantUserItem = z.object({
  userId: z.string(),
  costUsd: UsdOut,
  requests: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  /** The cost-control level in force; null when the user has no cost control configured. */
  controlLevel: z.nullable(ControlLevelName),
  openBreaches: z.int(),
});

/** By spend, descending (ties by user id); `nextCursor` pages on (null on the last page). */
export const TenantUsersResponse = z.object({
  items: z.array(TenantUserItem),
  nextCursor: z.nullable(z.string()),
});
export type TenantUsersResponse = z.infer<typeof TenantUsersResponse>;
