import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyNumber,
  containsPii,
  isValidIban,
  PII_PLACEHOLDERS,
  passesLuhn,
  redactFields,
  redactText,
} from '../src/redaction.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** ISO 7064 mod 97-10 of a digit/letter string (letters A=10 … Z=35). */
function mod97(text: string): number {
  let remainder = 0;
  for (const char of text) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder;
}

const IBAN_COUNTRIES: [string, number][] = [
  ['DE', 22],
  ['AT', 20],
  ['FR', 27],
  ['GB', 22],
  ['NL', 18],
  ['NO', 15],
  ['MT', 31],
  ['CH', 21],
  ['ES', 24],
  ['IT', 27],
  ['LC', 32],
  ['RU', 33],
];

/** A valid IBAN of a registry country (check digits computed), compact, grouped by four, or lower case. */
const ibanArb = fc
  .record({
    country: fc.constantFrom(...IBAN_COUNTRIES),
    body: fc.array(fc.constantFrom(...ALNUM.split('')), { minLength: 40, maxLength: 40 }),
    style: fc.constantFrom('compact', 'grouped', 'lower'),
  })
  .map(({ country: [code, length], body, style }) => {
    const bban = body.slice(0, length - 4).join('');
    const check = String(98 - mod97(`${bban}${code}00`)).padStart(2, '0');
    const iban = `${code}${check}${bban}`;
    if (style === 'grouped') return iban.replace(/(.{4})(?=.)/g, '$1 ');
    return style === 'lower' ? iban.toLowerCase() : iban;
  });

/** A Luhn-valid payment card number (13–19 digits, first digit 2–6), plain, in fours, or with dashes. */
const cardArb = fc
  .record({
    first: fc.integer({ min: 2, max: 6 }),
    rest: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 17 }),
    separator: fc.constantFrom('', ' ', '-'),
  })
  .map(({ first, rest, separator }) => {
    const partial = `${first}${rest.join('')}`;
    const check = [...'0123456789'].find((d) => passesLuhn(partial + d)) as string;
    const digits = partial + check;
    return separator ? digits.replace(/(\d{4})(?=\d)/g, `$1${separator}`) : digits;
  });

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
/** E-mail addresses as people write them. */
const emailArb = fc
  .record({
    local: fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._%+-]{0,20}[A-Za-z0-9])?$/),
    labels: fc.array(label, { minLength: 1, maxLength: 3 }),
    tld: fc.stringMatching(/^[a-z]{2,6}$/),
  })
  .map(({ local, labels, tld }) => `${local}@${labels.join('.')}.${tld}`);

const digitsArb = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** Phone numbers: international (`+`, `00`), national with the trunk 0, grouped in several ways. */
const phoneArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 99 }), digitsArb(7, 11), fc.constantFrom(' ', '-', ''))
    .map(([cc, n, sep]) => `+${cc} ${n.slice(0, 3)}${sep}${n.slice(3)}`),
  fc.tuple(fc.integer({ min: 1, max: 99 }), digitsArb(7, 11)).map(([cc, n]) => `00${cc} ${n}`),
  fc
    .tuple(fc.integer({ min: 1, max: 9 }), digitsArb(2, 3), digitsArb(6, 8), fc.constantFrom(' ', '/', '-'))
    .map(([a, area, n, sep]) => `0${a}${area}${sep}${n}`),
  fc
    .tuple(fc.integer({ min: 1, max: 9 }), digitsArb(1, 2), digitsArb(3, 3), digitsArb(4, 4))
    .map(([a, area, x, y]) => `(0${a}${area}) ${x}-${y}`),
);

const words = fc.array(fc.constantFrom('call', 'mail', 'pay', 'to', 'for', 'review', 'team', 'x'), {
  maxLength: 4,
});
/** `pii` between ordinary words, as free text holds it. */
const inText = (pii: fc.Arbitrary<string>) =>
  fc
    .tuple(words, pii, words)
    .map(([before, value, after]) => ({ value, text: [...before, value, ...after].join(' ') }));

describe('redactText: what it finds', () => {
  it.each([
    ['mail john.doe@example.com now', 'mail [email] now'],
    ['Grüße an jürgen.müller@beispiel.de.', 'Grüße an [email].'],
    ['call +49 30 1234567 today', 'call [phone] today'],
    ['office (030) 123-4567', 'office [phone]'],
    ['mobile 0171 2345678.', 'mobile [phone].'],
    ['tel:+4915112345678', 'tel:[phone]'],
    ['phone=+4915112345678', 'phone=[phone]'],
    ['+49 (0)30 1234567', '[phone]'],
    ['0049 30 1234567', '[phone]'],
    ['01 23 45 67 89', '[phone]'],
    ['030/1234567', '[phone]'],
    ['us (555) 123-4567 or 555-123-4567', 'us [phone] or [phone]'],
    ['IBAN DE89 3704 0044 0532 0130 00 thanks', 'IBAN [iban] thanks'],
    ['iban gb29nwbk60161331926819', 'iban [iban]'],
    ['NO9386011117947', '[iban]'],
    ['card 4111 1111 1111 1111', 'card [card]'],
    ['card 4111-1111-1111-1111 exp', 'card [card] exp'],
    ['amex 378282246310005', 'amex [card]'],
    ['0171 2345678 4111 1111 1111 1111', '[phone] [card]'],
    ['arn:aws:iam::012345678901:user/john.doe@example.com', 'arn:aws:iam::012345678901:[email]'],
    ['to=jane@example.com', '[email]'],
    ['(0171 2345678)', '[phone]'],
    ['call(0171 2345678', 'call([phone]'],
  ])('%j → %j', (input, output) => {
    expect(redactText(input).text).toBe(output);
  });

  it('names the kinds it found, each once', () => {
    expect(redactText('a@b.de, c@d.de, +49 30 1234567, 4111111111111111').found).toEqual([
      'email',
      'phone',
      'card',
    ]);
    expect(redactText('nothing here').found).toEqual([]);
    expect(containsPii('DE89370400440532013000')).toBe(true);
    expect(containsPii('code-review')).toBe(false);
  });
});

describe('redactText: what it leaves alone', () => {
  it.each([
    '2026-11-23T10:00:00.000Z',
    '2026-11-23T10:00:00+02:00',
    '2026-11-23',
    '23.11.2026',
    '01.02.2026 1000 tokens',
    '11/23/2026',
    '550e8400-e29b-41d4-a716-446655440000',
    '12345678-1234-1234-1234-123456789012',
    'req-01712345678',
    'bedrock:0c7f1a2b-1234-4567-89ab-0123456789ab',
    'arn:aws:bedrock:us-east-1:012345678901:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0',
    'arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    'arn:aws:sts::123456789012:assumed-role/app/session-0171234567',
    'anthropic.claude-3-5-sonnet-20240620-v1:0',
    'v1.2.3 2.1148.1 10.0.0.12 192.168.0.1',
    '1000 tokens, 10000000 tokens, 2000000000000',
    '0.123456789 and 0.0105 USD',
    'at 10:30, at 10:30:00',
    '4111111111111112',
    '1234567890123456',
    'DE89370400440532013001',
    'XX89370400440532013000',
    'user@localhost',
    'pkg@1.2.3',
    '@cost-management/contract',
    'code-review',
    'Team Search (EMEA) #42',
    '[email] [phone] [iban] [card]',
  ])('%j', (text) => {
    expect(redactText(text)).toEqual({ text, found: [] });
  });

  it('classifies numbers only when they are phone or card numbers', () => {
    expect(classifyNumber('4111 1111 1111 1111')).toBe('card');
    expect(classifyNumber('+49 30 1234567')).toBe('phone');
    expect(classifyNumber('+0 30 1234567')).toBeUndefined();
    expect(classifyNumber('00491')).toBeUndefined();
    expect(classifyNumber('0171 23')).toBeUndefined();
    expect(classifyNumber('12345 67890')).toBeUndefined();
    expect(classifyNumber('1'.repeat(20))).toBeUndefined();
  });

  it('checks IBANs and card numbers', () => {
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('de89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('DE8937040044053201300')).toBe(false);
    expect(isValidIban('ZZ89370400440532013000')).toBe(false);
    expect(isValidIban('DE')).toBe(false);
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('')).toBe(false);
  });
});

describe('redactText: properties', () => {
  const messy = fc.string({
    unit: fc.constantFrom(...'0123456789 +-()./:@_#abcDEx[]'.split(''), 'de', 'DE89', '.com', '0171 '),
    maxLength: 80,
  });

  it('is idempotent: redacting twice equals redacting once', () => {
    fc.assert(
      fc.property(fc.oneof(messy, fc.string({ maxLength: 120 })), (text) => {
        const once = redactText(text).text;
        expect(redactText(once)).toEqual({ text: once, found: [] });
      }),
      { numRuns: 3000 },
    );
  });

  it('never redacts a placeholder again', () => {
    const placeholders = fc.array(
      fc.oneof(
        fc.constantFrom(...Object.values(PII_PLACEHOLDERS)),
        fc.constantFrom(' ', ', ', '-', '/', ':'),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(placeholders, (parts) => {
        const text = parts.join('');
        expect(redactText(text).text).toBe(text);
      }),
    );
  });

  it.each([
    ['email', emailArb],
    ['iban', ibanArb],
    ['card', cardArb],
    ['phone', phoneArb],
  ] as const)('leaves no generated %s in the text', (kind, arb) => {
    fc.assert(
      fc.property(inText(arb), ({ value, text }) => {
        const result = redactText(text);
        expect(result.text).not.toContain(value);
        expect(result.text).toContain(PII_PLACEHOLDERS[kind]);
        expect(result.found).toEqual([kind]);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves no generated e-mail address whole, however unusual', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(redactText(`to ${email} now`).text).not.toContain(email);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves timestamps, UUIDs, ARNs, versions and counts as they are', () => {
    const legit = fc.oneof(
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      fc.uuid(),
      digitsArb(12, 12).map(
        (account) => `arn:aws:bedrock:us-east-1:${account}:inference-profile/eu.amazon.nova-pro-v1:0`,
      ),
      fc.tuple(fc.nat(99), fc.nat(9999), fc.nat(99)).map(([a, b, c]) => `${a}.${b}.${c}`),
      fc.nat(10_000_000).map(String),
      digitsArb(8, 40).map((d) => `req-${d}`),
    );
    fc.assert(
      fc.property(legit, (text) => {
        expect(redactText(text).text).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redactFields', () => {
  it('redacts the named string fields and record values and names each changed path', () => {
    const input = {
      requestId: 'r-1',
      operation: 'summary for jane@example.com',
      tags: { team: 'search', contact: '+49 30 1234567', payer: 'DE89 3704 0044 0532 0130 00' },
      count: 3,
    };
    const { value, redacted } = redactFields(input, ['operation', 'tags.*']);
    expect(value).toEqual({
      requestId: 'r-1',
      operation: 'summary for [email]',
      tags: { team: 'search', contact: '[phone]', payer: '[iban]' },
      count: 3,
    });
    expect(redacted).toEqual(['operation', 'tags.contact', 'tags.payer']);
    expect(input.operation).toBe('summary for jane@example.com');
  });

  it('redacts record keys too, numbering keys that become the same placeholder', () => {
    const { value, redacted } = redactFields(
      { tags: { '01712345678': 'a', '01719876543': 'b', team: 'x' } },
      ['tags.*'],
    );
    expect(value.tags).toEqual({ '[phone]': 'a', '[phone]#2': 'b', team: 'x' });
    expect(redacted).toEqual(['tags.[phone]', 'tags.[phone]#2']);
  });

  it('ignores fields that are absent or not text, and answers an empty list when nothing changed', () => {
    const input = { name: 'monthly cap', reason: 42, tags: 'not a record', list: ['a@b.de'] };
    const { value, redacted } = redactFields(input, ['name', 'reason', 'missing', 'tags.*', 'list.*']);
    expect(value).toEqual(input);
    expect(redacted).toEqual([]);
    expect(redactFields({ tags: { n: 1 } }, ['tags.*']).value).toEqual({ tags: { n: 1 } });
  });

  it('is idempotent on its own output', () => {
    fc.assert(
      fc.property(
        fc.record({
          operation: fc.oneof(
            inText(emailArb).map((x) => x.text),
            fc.string({ maxLength: 40 }),
          ),
          tags: fc.dictionary(
            fc.oneof(fc.constantFrom('team', '01712345678', '4111111111111111'), fc.string({ maxLength: 8 })),
            fc.oneof(
              inText(phoneArb).map((x) => x.text),
              fc.string({ maxLength: 20 }),
            ),
            { maxKeys: 5 },
          ),
        }),
        (input) => {
          const once = redactFields(input, ['operation', 'tags.*']);
          const twice = redactFields(once.value, ['operation', 'tags.*']);
          expect(twice).toEqual({ value: once.value, redacted: [] });
        },
      ),
      { numRuns: 500 },
    );
  });
});
