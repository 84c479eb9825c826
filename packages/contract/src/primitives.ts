import { z } from 'zod';

/** Largest token count accepted for one call: far above any model's context window. */
export const MAX_TOKENS_PER_CALL = 10_000_000;
/** Largest dollar amount accepted in a request (limits, budgets, line items). */
export const MAX_USD = 1_000_000;

export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'may contain only letters, digits and . _ : @ -');

export const UserId = Id.describe('The caller’s user id, meaningful only inside its tenant.');

export const ModelIdInput = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .describe('A Bedrock model id, cross-region inference profile id or Bedrock ARN.');

export const TokenCount = z.int().min(0).max(MAX_TOKENS_PER_CALL);

/** At most 9 decimals: keeps numbers inside what DynamoDB stores (no 5e-324). */
export function hasAtMostNineDecimals(value: number): boolean {
  const text = String(value);
  const exp = /e-(\d+)$/i.exec(text);
  if (exp) {
    const mantissaDecimals = (text.split(/e/i)[0]?.split('.')[1] ?? '').length;
    return mantissaDecimals + Number(exp[1]) <= 9;
  }
  return (text.split('.')[1] ?? '').length <= 9;
}

/** A non-negative dollar amount, exact to the nano-dollar. */
export const UsdAmount = z
  .number()
  .min(0)
  .max(MAX_USD)
  .refine(hasAtMostNineDecimals, 'must not be more precise than a nano-dollar (9 decimals)');

/** A dollar amount as the API answers it (derived from integer nano-USD). */
export const UsdOut = z.number();

export const IsoTimestamp = z.iso.datetime({ offset: true });
export const IsoDay = z.iso.date();

export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
