import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships no messages of its own: the English ones keep every issue message as the full zod had them.
z.config(en());

/** Largest token count accepted for one call: far above any model's context window. */
export const MAX_TOKENS_PER_CALL = 10_000_000;
/** Largest dollar amount accepted in a request (limits, budgets, line items). */
export const MAX_USD = 1_000_000;

export const Id = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9._:@-]+$/, 'may contain only letters, digits and . _ : @ -'),
  );

export const UserId = Id.check(z.describe('The caller’s user id, meaningful only inside its tenant.'));

export const ModelIdInput = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(256),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    z.describe('A Bedrock model id, cross-region inference profile id or Bedrock ARN.'),
  );

export const TokenCount = z.int().check(z.gte(0), z.lte(MAX_TOKENS_PER_CALL));

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
  .check(
    z.gte(0),
    z.lte(MAX_USD),
    z.refine(hasAtMostNineDecimals, 'must not be more precise than a nano-dollar (9 decimals)'),
  );

/** A dollar amount as the API answers it (derived from integer nano-USD). */
export const UsdOut = z.number();

export const IsoTimestamp = z.iso.datetime({ offset: true });
export const IsoDay = z.iso.date();

/**
 * The answer of a write that takes free text: the paths of the fields whose e-mail addresses,
 * phone numbers, IBANs or card numbers were replaced before anything was stored or logged.
 */
export const RedactedFields = z
  .array(z.string())
  .check(
    z.describe(
      'Free-text fields whose e-mail addresses, phone numbers, IBANs or card numbers were replaced by [email], [phone], [iban] or [card] before anything was stored or logged (e.g. `operation`, `tags.contact`); empty when none.',
    ),
  );

export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
