import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MoneyRangeError, ValidationError } from '../src/errors.js';
import {
  csvTextField,
  EXPORT_CSV_HEADER,
  EXPORT_CSV_LINE_END,
  type ExportRecord,
  nanoToDecimalString,
  toCsvRow,
} from '../src/export-format.js';
import { fromUsd, MAX_NANO_USD, toUsd } from '../src/money.js';

/** Splits one RFC 4180 record (no trailing line end) into its fields. */
function parseCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        const ch = line[i]!;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          field += ch;
          i++;
        }
      }
      if (i < line.length && line[i] !== ',') throw new Error(`text after closing quote at ${i}`);
    } else {
      while (i < line.length && line[i] !== ',') {
        const ch = line[i]!;
        if (ch === '"' || ch === '\r' || ch === '\n') throw new Error(`unquoted special character at ${i}`);
        field += ch;
        i++;
      }
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

const base: ExportRecord = {
  timestamp: '2026-11-23T10:00:00.000Z',
  requestId: 'req-123',
  userId: 'alice',
  modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  operation: 'code-review',
  inputTokens: 1000,
  outputTokens: 500,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
  costNano: 10_500_000,
};

describe('EXPORT_CSV_HEADER', () => {
  it('is exactly the header of the REST contract', () => {
    expect(EXPORT_CSV_HEADER).toBe(
      'timestamp,requestId,userId,modelId,operation,inputTokens,outputTokens,cacheReadInputTokens,cacheWriteInputTokens,costUsd',
    );
    expect(EXPORT_CSV_LINE_END).toBe('\r\n');
  });
});

describe('nanoToDecimalString', () => {
  it.each([
    [0, '0'],
    [1, '0.000000001'],
    [35, '0.000000035'],
    [10_500_000, '0.0105'],
    [3_000_000, '0.003'],
    [1_000_000_000, '1'],
    [2_500_000_000, '2.5'],
    [123_456_789_012, '123.456789012'],
    [-5, '-0.000000005'],
    [-1_500_000_000, '-1.5'],
    [MAX_NANO_USD, '9007199.254740991'],
    [9_000_000_999_999_999, '9000000.999999999'],
  ])('writes %d as %s', (value, text) => {
    expect(nanoToDecimalString(value)).toBe(text);
  });

  it('round-trips every safe integer exactly, never in exponent form', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_NANO_USD, max: MAX_NANO_USD }), (value) => {
        const text = nanoToDecimalString(value);
        expect(text).toMatch(/^-?\d+(\.\d*[1-9])?$/);
        expect(fromUsd(text)).toBe(value);
        expect(Number(text)).toBe(toUsd(value));
      }),
    );
  });

  it('refuses amounts that are not exact nano-dollars', () => {
    expect(() => nanoToDecimalString(0.5)).toThrow(MoneyRangeError);
    expect(() => nanoToDecimalString(Number.NaN)).toThrow(MoneyRangeError);
    expect(() => nanoToDecimalString(MAX_NANO_USD + 1)).toThrow(MoneyRangeError);
  });
});

describe('csvTextField', () => {
  it('leaves plain text alone', () => {
    expect(csvTextField('alice')).toBe('alice');
    expect(csvTextField('')).toBe('');
    expect(csvTextField('a=b-c+d@e')).toBe('a=b-c+d@e');
    expect(csvTextField("it's")).toBe("it's");
  });

  it('quotes commas, quotes, CR and LF and doubles quotes', () => {
    expect(csvTextField('a,b')).toBe('"a,b"');
    expect(csvTextField('say "hi"')).toBe('"say ""hi"""');
    expect(csvTextField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvTextField('x\ry')).toBe('"x\ry"');
  });

  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
  ])('defuses the formula start of %j', (value, cell) => {
    expect(csvTextField(value)).toBe(cell);
  });
});

describe('toCsvRow', () => {
  it('writes the contract example', () => {
    expect(toCsvRow(base)).toBe(
      '2026-11-23T10:00:00.000Z,req-123,alice,anthropic.claude-3-5-sonnet-20240620-v1:0,code-review,1000,500,0,0,0.0105',
    );
  });

  it('writes a missing operation as an empty cell and tiny costs without exponent', () => {
    const { operation: _omit, ...noOperation } = base;
    const row = toCsvRow({ ...noOperation, cacheReadInputTokens: 7, cacheWriteInputTokens: 3, costNano: 35 });
    expect(row).toBe(
      '2026-11-23T10:00:00.000Z,req-123,alice,anthropic.claude-3-5-sonnet-20240620-v1:0,,1000,500,7,3,0.000000035',
    );
  });

  it('protects and quotes every text column', () => {
    const row = toCsvRow({ ...base, requestId: '=1+1', userId: 'o"brien, jr', operation: '-x\ny' });
    expect(parseCsvRecord(row).slice(1, 5)).toEqual(["'=1+1", 'o"brien, jr', base.modelId, "'-x\ny"]);
  });

  it.each([
    ['inputTokens', -1],
    ['outputTokens', 1.5],
    ['cacheReadInputTokens', Number.NaN],
    ['cacheWriteInputTokens', 2 ** 60],
  ] as const)('rejects %s = %d', (field, value) => {
    try {
      toCsvRow({ ...base, [field]: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe(field);
    }
  });

  it('rejects an inexact cost', () => {
    expect(() => toCsvRow({ ...base, costNano: 0.5 })).toThrow(MoneyRangeError);
  });

  it('parses back to the original fields (formula starts prefixed with a quote)', () => {
    const tricky = fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        '0',
        ' ',
        ',',
        '"',
        "'",
        '\r',
        '\n',
        '\t',
        '=',
        '+',
        '-',
        '@',
        'é',
        '😀',
      ),
      maxLength: 12,
    });
    const text = fc.oneof(tricky, fc.string(), fc.string({ unit: 'binary' }));
    const count = fc.nat(1_000_000_000);
    const expected = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
    fc.assert(
      fc.property(
        fc.record({
          timestamp: text,
          requestId: text,
          userId: text,
          modelId: text,
          operation: fc.option(text, { nil: undefined }),
          inputTokens: count,
          outputTokens: count,
          cacheReadInputTokens: count,
          cacheWriteInputTokens: count,
          costNano: fc.maxSafeNat(),
        }),
        (record) => {
          const fields = parseCsvRecord(toCsvRow(record));
          expect(fields).toHaveLength(EXPORT_CSV_HEADER.split(',').length);
          expect(fields).toEqual([
            expected(record.timestamp),
            expected(record.requestId),
            expected(record.userId),
            expected(record.modelId),
            expected(record.operation ?? ''),
            String(record.inputTokens),
            String(record.outputTokens),
            String(record.cacheReadInputTokens),
            String(record.cacheWriteInputTokens),
            nanoToDecimalString(record.costNano),
          ]);
          expect(fromUsd(fields[9]!)).toBe(record.costNano);
        },
      ),
    );
  });
});
