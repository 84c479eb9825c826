import { z } from 'zod';
import { Id, IsoDay, IsoTimestamp, ModelIdInput, TokenCount, UsdOut, UserId } from './primitives.js';

export const MAX_TAGS = 20;
export const MAX_BATCH_EVENTS = 25;

const TagKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:\-/]+$/, 'may contain only letters, digits and . _ : - /');

export const Tags = z
  .record(TagKey, z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

export const TrackUsageRequest = z
  .object({
    requestId: Id.describe('Idempotency key: a retry with the same body is answered, not counted again.'),
    userId: UserId,
    modelId: ModelIdInput,
    inputTokens: TokenCount,
    outputTokens: TokenCount,
    cacheReadInputTokens: TokenCount.default(0),
    cacheWriteInputTokens: TokenCount.default(0),
    timestamp: IsoTimestamp.optional(),
    operation: z
      .string()
      .min(1)
      .max(100)
      .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters')
      .optional(),
    tags: Tags.optional(),
    latencyMs: z.int().min(0).max(3_600_000).optional(),
  })
  .strict();
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
  costUsd: UsdOut,
  breakdown: UsageBreakdown,
  priceVersion: z.string(),
  duplicate: z.boolean(),
});
export type TrackUsageResponse = z.infer<typeof TrackUsageResponse>;

export const TrackUsageBatchRequest = z
  .object({ events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS) })
  .strict();

export const TrackUsageBatchResponse = z.object({
  results: z.array(
    z
      .object({
        requestId: z.string().nullable(),
        status: z.int(),
        error: z
          .object({
            code: z.string(),
            message: z.string(),
            details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
          })
          .optional(),
      })
      .catchall(z.unknown()),
  ),
});

export const ExportQuery = z
  .object({
    from: IsoDay.optional(),
    to: IsoDay.optional(),
    format: z.enum(['csv', 'json']).default('json'),
    limit: z.coerce.number().int().min(1).max(1000).default(1000),
    cursor: z.string().max(2048).optional(),
  })
  .strict();
