/*
 * Redaction of personal data in free text: e-mail addresses, phone numbers, IBANs and payment
 * card numbers are replaced with a typed placeholder (`[email]`, `[phone]`, `[iban]`, `[card]`).
 *
 * Built to leave alone what the service legitimately receives in such text: ISO timestamps and
 * dates, UUIDs and request ids, model ids and ARNs (the 12-digit account id of an ARN sits
 * between colons and is not a phone number), version strings, decimals and token counts.
 * IBANs must pass their country's length and the mod-97 check; card numbers must have 13–19
 * digits, start like a payment card (2–6) and pass the Luhn check.
 *
 * Redacting is idempotent: redacting a redacted text changes nothing, and placeholders are
 * never redacted again.
 */

export type PiiKind = 'email' | 'phone' | 'iban' | 'card';

export const PII_PLACEHOLDERS: Readonly<Record<PiiKind, string>> = {
  email: '[email]',
  phone: '[phone]',
  iban: '[iban]',
  card: '[card]',
};

export interface TextRedaction {
  /** The text with every finding replaced by its placeholder. */
  text: string;
  /** The kinds found, each once, in the order of the checks (email, iban, card/phone). */
  found: PiiKind[];
}

interface Span {
  start: number;
  end: number;
  kind: PiiKind;
}

/** IBAN length by country, from the SWIFT IBAN registry. */
// biome-ignore format: a table reads better in rows
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** Local part: the characters RFC 5322 allows unquoted (a label such as `to=` before it goes too). */
const EMAIL =
  /[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}(?![\p{L}\p{N}-])/gu;
const IBAN_START = /(?<![\p{L}\p{N}_])[A-Za-z]{2}\d{2}/gu;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const ALNUM = /[A-Za-z0-9]/;
const DIGIT = /\d/;
/** Characters that tie a number to the word it touches (an identifier, an e-mail, a path). */
const TIES = /[\p{L}\p{N}_@#\\]/u;
/** Punctuation that ties a number to a word it sits between (`v1.2`, `req-0171…`, `10:00`, `…:123456789012:…`). */
const TIES_WITH_WORD = new Set(['.', '/', '-', '+', ':']);

/** Whether the number that starts at `start` continues what comes before it. */
function tiedBefore(text: string, start: number): boolean {
  const before = text[start - 1] ?? '';
  if (TIES.test(before)) return true;
  return before !== ':' && TIES_WITH_WORD.has(before) && TIES.test(text[start - 2] ?? '');
}

/**
 * Whether the number from `start` to `end` runs on into what follows it, or is a field between
 * colons (an ARN's account id, the minutes of a time).
 */
function tiedAfter(text: string, start: number, end: number): boolean {
  const after = text[end] ?? '';
  if (TIES.test(after) || (after === ':' && text[start - 1] === ':')) return true;
  return TIES_WITH_WORD.has(after) && TIES.test(text[end + 1] ?? '');
}
const NUMBER_SEPARATORS = new Set([' ', '-', '.', '/']);
/** Longest digit count a phone (00 prefix included) or card number may have. */
const MAX_NUMBER_DIGITS = 19;

/** Whether an IBAN (upper case, no spaces) passes ISO 7064 mod 97-10. */
export function isValidIban(iban: string): boolean {
  const text = iban.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(text)) return false;
  if (IBAN_LENGTHS[text.slice(0, 2)] !== text.length) return false;
  let remainder = 0;
  for (const char of text.slice(4) + text.slice(0, 4)) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/** Whether a digit string passes the Luhn check. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function findEmails(text: string): Span[] {
  return [...text.matchAll(EMAIL)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    kind: 'email' as const,
  }));
}

/** IBANs, compact or in groups separated by single spaces, upper or lower case. */
function findIbans(text: string): Span[] {
  const spans: Span[] = [];
  let after = 0;
  for (const match of text.matchAll(IBAN_START)) {
    if (match.index < after) continue;
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) continue;
    let chars = '';
    let i = match.index;
    while (i < text.length && chars.length < length) {
      const c = text[i] as string;
      if (ALNUM.test(c)) {
        chars += c;
        i++;
      } else if (c === ' ' && chars.length >= 4 && ALNUM.test(text[i + 1] ?? '')) i++;
      else break;
    }
    if (chars.length !== length || WORD_CHAR.test(text[i] ?? '') || !isValidIban(chars)) continue;
    spans.push({ start: match.index, end: i, kind: 'iban' });
    after = i;
  }
  return spans;
}

/** The digit groups of a number-like run: where each starts and ends, and what separates them. */
interface Run {
  start: number;
  end: number;
  /** Offsets (in the text) where the run may be cut: the spaces between its groups. */
  spaces: number[];
}

/**
 * A number-like run starting at `start`: an optional `+`, digits in groups joined by single
 * separators (space, `-`, `.`, `/`) and parenthesised groups (`(030)`, `+49 (0)30`). Undefined when
 * no digit starts it.
 */
function scanRun(text: string, start: number): Run | undefined {
  let j = start;
  if (text[j] === '+') j++;
  let open = false;
  if (text[j] === '(') {
    open = true;
    j++;
  }
  if (!DIGIT.test(text[j] ?? '')) return undefined;
  const spaces: number[] = [];
  let end = j;
  while (j < text.length) {
    const c = text[j] as string;
    if (DIGIT.test(c)) {
      j++;
      end = j;
    } else if (c === ')' && open) {
      open = false;
      j++;
      end = j;
    } else if (c === '(' && !open && DIGIT.test(text[j + 1] ?? '')) {
      open = true;
      j++;
    } else if (NUMBER_SEPARATORS.has(c) && DIGIT.test(text[j + 1] ?? '')) {
      if (c === ' ') spaces.push(j);
      j++;
    } else if (NUMBER_SEPARATORS.has(c) && text[j + 1] === '(' && !open && DIGIT.test(text[j + 2] ?? '')) {
      if (c === ' ') spaces.push(j);
      open = true;
      j += 2;
    } else break;
  }
  return { start, end, spaces: spaces.filter((s) => s < end) };
}

/** A date at the start (`01.02.2026`, `2026-11-23`, `11/23/26`), alone or before a space. */
const DATE_FIRST = /^(?:\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2})(?= |$)/;
/** North American `(555) 123-4567`, `555-123-4567`, `555.123.4567`. */
const NANP = /^(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}$/;

const digitCount = (text: string): number => text.replace(/\D/g, '').length;

/** What a number-like candidate is: a card number, a phone number, or nothing to redact. */
export function classifyNumber(candidate: string): 'card' | 'phone' | undefined {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length > MAX_NUMBER_DIGITS || DATE_FIRST.test(candidate)) return undefined;
  if (/^\d[\d -]*$/.test(candidate) && digits.length >= 13 && /^[2-6]/.test(digits) && passesLuhn(digits)) {
    return 'card';
  }
  // International: `+49 30 1234567`, `+1 (555) 123-4567`, `+49 (0)30 1234567`, `0049 30 1234567`.
  if (candidate.startsWith('+')) {
    return /^\+\(?[1-9]/.test(candidate) && digits.length >= 8 && digits.length <= 15 ? 'phone' : undefined;
  }
  if (/^00[1-9]/.test(candidate)) return digits.length >= 10 ? 'phone' : undefined;
  // National, with the trunk 0: `(030) 123-4567`, `0171 2345678`, `030/1234567`, `01 23 45 67 89`.
  if (/^\(?0[1-9]/.test(candidate)) return digits.length >= 9 && digits.length <= 13 ? 'phone' : undefined;
  return NANP.test(candidate) ? 'phone' : undefined;
}

/**
 * Phone and card numbers. A run of digit groups is taken whole when it is one; otherwise the
 * longest stretch of its space-separated groups that is one, from left to right, so two numbers
 * written one after the other are both found. A run tied to what comes before or after it (an
 * identifier, a time, an ARN's account field, an e-mail) is left alone.
 */
function findNumbers(text: string): Span[] {
  const spans: Span[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const startsRun = DIGIT.test(c) || c === '+' || c === '(';
    const run = startsRun && !tiedBefore(text, i) ? scanRun(text, i) : undefined;
    if (!run) {
      i++;
      continue;
    }
    i = run.end;
    if (tiedAfter(text, run.start, run.end)) continue;
    const cuts = [run.start, ...run.spaces.map((s) => s + 1)];
    const ends = [...run.spaces, run.end];
    const counts = cuts.map((cut, g) => digitCount(text.slice(cut, ends[g])));
    let g = 0;
    while (g < cuts.length) {
      // The widest stretch from group g that a phone or card number could fill, then narrower ones.
      let last = g;
      for (
        let total = 0;
        last < cuts.length && total + (counts[last] as number) <= MAX_NUMBER_DIGITS;
        last++
      ) {
        total += counts[last] as number;
      }
      let next = g + 1;
      for (let k = last - 1; k >= g; k--) {
        const kind = classifyNumber(text.slice(cuts[g], ends[k]));
        if (kind) {
          spans.push({ start: cuts[g] as number, end: ends[k] as number, kind });
          next = k + 1;
          break;
        }
      }
      g = next;
    }
  }
  return spans;
}

function replaceSpans(text: string, spans: readonly Span[]): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + PII_PLACEHOLDERS[span.kind];
    at = span.end;
  }
  return out + text.slice(at);
}

/**
 * Replaces e-mail addresses, IBANs, card numbers and phone numbers in `text` with their
 * placeholders, in that order (each check runs on the result of the one before).
 */
export function redactText(text: string): TextRedaction {
  const found: PiiKind[] = [];
  let current = text;
  for (const find of [findEmails, findIbans, findNumbers]) {
    const spans = find(current);
    if (spans.length === 0) continue;
    for (const span of spans) if (!found.includes(span.kind)) found.push(span.kind);
    current = replaceSpans(current, spans);
  }
  return { text: current, found };
}

/** Whether `text` holds anything {@link redactText} would replace. */
export function containsPii(text: string): boolean {
  return redactText(text).found.length > 0;
}

export interface FieldRedaction<T> {
  value: T;
  /** Paths of the fields whose text changed (`operation`, `tags.contact`), in field order. */
  redacted: string[];
}

/**
 * Redacts the free-text fields of `value` named by `fields`: a name is a string field at the top
 * level, `name.*` every value of a string record (its keys too: a key that held personal data
 * becomes its placeholder, numbered on a clash). Other fields are left as they are. Returns a copy.
 */
export function redactFields<T extends object>(value: T, fields: readonly string[]): FieldRedaction<T> {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const redacted: string[] = [];
  for (const field of fields) {
    if (field.endsWith('.*')) {
      const name = field.slice(0, -2);
      const record = copy[name];
      if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
      const result: Record<string, unknown> = {};
      for (const [key, entry] of Object.entries(record)) {
        let newKey = redactText(key).text;
        for (let n = 2; newKey !== key && Object.hasOwn(result, newKey); n++) {
          newKey = `${redactText(key).text}#${n}`;
        }
        const text = typeof entry === 'string' ? redactText(entry).text : entry;
        if (newKey !== key || text !== entry) redacted.push(`${name}.${newKey}`);
        result[newKey] = text;
      }
      copy[name] = result;
      continue;
    }
    const text = copy[field];
    if (typeof text !== 'string') continue;
    const result = redactText(text).text;
    if (result !== text) {
      copy[field] = result;
      redacted.push(field);
    }
  }
  return { value: copy as T, redacted };
}
