import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BEDROCK_BILLING_NAMES,
  billedItemsFromCurCsv,
  CATALOG,
  costOfTokens,
  MAX_NANO_USD,
  MoneyRangeError,
  parseCsv,
  parseUsageType,
  reconcile,
  type TrackedCost,
  USAGE_TYPE_REGIONS,
  unitsToNano,
  usdDecimalToNano,
  usdDecimalToUnits,
  ValidationError,
} from '../../packages/core/src/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'reconciliation');
const cur = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NOVA_PRO = 'amazon.nova-pro-v1:0';
const DAY = '2026-11-23';
const M = 1_000_000;

// What the service priced on the fixture day, from the catalog's list prices per million tokens.
const TRACKED: TrackedCost[] = [
  { date: DAY, region: 'us-east-1', modelId: SONNET, nano: costOfTokens(M, 3e9) },
  { date: DAY, region: 'us-east-1', modelId: SONNET, nano: costOfTokens(200_000, 15e9) },
  {
    date: DAY,
    region: 'us-east-1',
    modelId: HAIKU,
    nano: costOfTokens(4 * M, 0.25e9) + costOfTokens(800_000, 1.25e9),
  },
  {
    date: DAY,
    region: 'us-west-2',
    modelId: NOVA_PRO,
    nano: costOfTokens(M, 0.8e9) + costOfTokens(218_750, 3.2e9),
  },
];

describe('Bedrock usage types', () => {
  it('takes real usage-type names apart into region, catalog model, token type and variant', () => {
    expect(parseUsageType('USE1-Claude3.5Sonnet-input-tokens')).toEqual({
      usageType: 'USE1-Claude3.5Sonnet-input-tokens',
      regionCode: 'USE1',
      region: 'us-east-1',
      billingName: 'Claude3.5Sonnet',
      modelId: SONNET,
      tokenType: 'input',
      variant: null,
    });
    expect(parseUsageType('APN1-Claude3Haiku-output-tokens')).toMatchObject({
      region: 'ap-northeast-1',
      modelId: HAIKU,
      tokenType: 'output',
    });
    expect(
      parseUsageType('USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global'),
    ).toMatchObject({
      modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
      tokenType: 'cache-read',
      variant: 'cross-region-global',
    });
    expect(parseUsageType('EUC1-Claude3.5Sonnetv2-cache-write-input-token-count')).toMatchObject({
      region: 'eu-central-1',
      modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      tokenType: 'cache-write',
    });
    expect(parseUsageType('USE1-Llama3-1-405B-output-tokens-batch')).toMatchObject({
      billingName: 'Llama3-1-405B',
      modelId: 'meta.llama3-1-405b-instruct-v1:0',
      variant: 'batch',
    });
    expect(parseUsageType('USW2-NovaPro-input-tokens-latency-optimized')).toMatchObject({
      region: 'us-west-2',
      modelId: NOVA_PRO,
      variant: 'latency-optimized',
    });
    expect(parseUsageType('USE1-openai.gpt-oss-120b-mantle-input-tokens-standard')).toMatchObject({
      modelId: null,
      variant: 'standard',
    });
    expect(parseUsageType('XYZ9-NovaLite-input-tokens')).toMatchObject({
      region: undefined,
      modelId: 'amazon.nova-lite-v1:0',
    });
    expect(parseUsageType('USE1-ProvisionedThroughput-ModelUnits')).toBeUndefined();
    expect(parseUsageType('USE1-NovaCanvas-images-standard')).toBeUndefined();
  });

  it('maps every billing name to a model of the catalog, and every region code to a Region', () => {
    const ids = new Set(CATALOG.map((m) => m.modelId));
    expect(Object.values(BEDROCK_BILLING_NAMES).filter((id) => !ids.has(id))).toEqual([]);
    expect(Object.keys(BEDROCK_BILLING_NAMES).length).toBeGreaterThanOrEqual(20);
    for (const [code, region] of Object.entries(USAGE_TYPE_REGIONS)) {
      expect(code).toMatch(/^[A-Z]{2,4}\d?$/);
      expect(region).toMatch(/^[a-z]{2}(-gov)?-[a-z]+-\d$/);
    }
  });
});

describe('reconcile on CUR 2.0 fixtures', () => {
  it('reports no gap and no alert when the bill matches what was priced', () => {
    const imported = billedItemsFromCurCsv(cur('cur-matching.csv'));
    expect(imported.errors).toEqual([]);
    expect(imported.skipped).toBe(2); // the EC2 row and the credit
    expect(imported.items).toHaveLength(8);
    const report = reconcile({ tracked: TRACKED, billed: imported.items });
    expect(report.totals).toEqual({
      trackedNano: 9_500_000_000,
      billedNano: 9_500_000_000,
      gapNano: 0,
      gapPercent: 0,
    });
    expect(report.exceeded).toBe(false);
    expect(report.thresholdPercent).toBe(2);
    expect(report.rows.map((r) => [r.region, r.modelId, r.gapNano, r.exceeded])).toEqual([
      ['us-east-1', SONNET, 0, false],
      ['us-east-1', HAIKU, 0, false],
      ['us-west-2', NOVA_PRO, 0, false],
    ]);
    // Two hourly amounts below a nano-dollar each sum exactly to USD 1.00 of Haiku input.
    expect(report.rows[1]).toMatchObject({
      billedNano: 2_000_000_000,
      usageTypes: ['USE1-Claude3Haiku-input-tokens', 'USE1-Claude3Haiku-output-tokens'],
    });
  });

  it('reports a known 5 % gap on the row it comes from and raises the alert', () => {
    const report = reconcile({
      tracked: TRACKED,
      billed: billedItemsFromCurCsv(cur('cur-gap-5pct.csv')).items,
    });
    expect(report.totals).toEqual({
      trackedNano: 9_500_000_000,
      billedNano: 10_000_000_000,
      gapNano: 500_000_000,
      gapPercent: 5,
    });
    expect(report.exceeded).toBe(true);
    expect(report.rows.find((r) => r.modelId === NOVA_PRO)).toMatchObject({
      date: DAY,
      region: 'us-west-2',
      trackedNano: 1_500_000_000,
      billedNano: 2_000_000_000,
      gapNano: 500_000_000,
      gapPercent: 25,
      exceeded: true,
    });
    // A wider threshold tolerates it.
    expect(
      reconcile({
        tracked: TRACKED,
        billed: billedItemsFromCurCsv(cur('cur-gap-5pct.csv')).items,
        thresholdPercent: 5,
      }).exceeded,
    ).toBe(false);
  });
});

describe('reconcile', () => {
  it('keeps billed money of unknown models, tracked money nobody billed, and lists non-token usage', () => {
    const report = reconcile({
      tracked: [
        { date: DAY, region: 'eu-central-1', modelId: HAIKU, nano: 1_000 },
        { date: '2026-11-22', region: 'us-east-1', modelId: SONNET, nano: 0 },
      ],
      billed: [
        {
          date: DAY,
          region: null,
          usageType: 'USE1-openai.gpt-oss-120b-mantle-input-tokens-standard',
          amount: '0.25',
        },
        { date: DAY, usageType: 'USE1-NovaMicro-output-tokens', amount: '1E-9' },
        { date: DAY, region: '', usageType: 'XYZ9-NovaLite-input-tokens', amount: '0.000000002' },
        {
          date: '2026-11-22',
          region: 'us-east-1',
          usageType: 'USE1-Claude3.5Sonnet-input-tokens',
          amount: '0',
        },
        {
          date: DAY,
          region: 'us-east-1',
          usageType: 'USE1-ProvisionedThroughput-ModelUnits',
          amount: '20.5',
        },
        {
          date: DAY,
          region: 'us-east-1',
          usageType: 'USE1-ProvisionedThroughput-ModelUnits',
          amount: '0.000000000500',
        },
      ],
    });
    expect(
      report.rows.map((r) => [r.date, r.region, r.modelId, r.trackedNano, r.billedNano, r.gapPercent]),
    ).toEqual([
      ['2026-11-22', 'us-east-1', SONNET, 0, 0, 0],
      ['2026-11-23', 'XYZ9', 'amazon.nova-lite-v1:0', 0, 2, 100],
      ['2026-11-23', 'eu-central-1', HAIKU, 1_000, 0, -100],
      ['2026-11-23', 'us-east-1', 'amazon.nova-micro-v1:0', 0, 1, 100],
      ['2026-11-23', 'us-east-1', null, 0, 250_000_000, 100],
    ]);
    expect(report.rows[2]?.exceeded).toBe(true);
    expect(report.rows[0]?.exceeded).toBe(false);
    expect(report.ignoredUsageTypes).toEqual(['USE1-ProvisionedThroughput-ModelUnits']);
    expect(report.ignoredBilledNano).toBe(20_500_000_000); // 20.5 + half a nano, rounded to even
    expect(report.totals.gapNano).toBe(250_000_003 - 1_000);
  });

  it('signs the gap, rounds its percentage half to even, and refuses bad thresholds and ranges', () => {
    const one = (tracked: number, billed: string) =>
      reconcile({
        tracked: [{ date: DAY, region: 'us-east-1', modelId: HAIKU, nano: tracked }],
        billed: [
          { date: DAY, region: 'us-east-1', usageType: 'USE1-Claude3Haiku-input-tokens', amount: billed },
        ],
      }).totals;
    expect(one(1_100, '0.000001')).toMatchObject({ gapNano: -100, gapPercent: -10 });
    expect(one(2, '0.000000003')).toMatchObject({ gapNano: 1, gapPercent: 33.33 });
    expect(one(0, '0')).toMatchObject({ gapPercent: 0 });
    expect(reconcile({ tracked: [], billed: [] })).toMatchObject({
      rows: [],
      exceeded: false,
      ignoredBilledNano: 0,
    });
    expect(() => reconcile({ tracked: [], billed: [], thresholdPercent: -1 })).toThrow(ValidationError);
    expect(() => reconcile({ tracked: [], billed: [], thresholdPercent: Number.NaN })).toThrow(
      ValidationError,
    );
    const half = Math.ceil(MAX_NANO_USD / 2);
    const big = (region: string): TrackedCost => ({ date: DAY, region, modelId: HAIKU, nano: half });
    expect(() => reconcile({ tracked: [big('a'), big('a')], billed: [] })).toThrow(MoneyRangeError);
    expect(() => reconcile({ tracked: [big('a'), big('b')], billed: [] })).toThrow(MoneyRangeError);
  });
});

describe('CUR 2.0 CSV', () => {
  it('splits quoted fields, doubled quotes, line breaks in quotes and CRLF', () => {
    expect(parseCsv('a,"b,c","say ""hi""","two\nlines"\r\n1,2,3,4')).toEqual([
      ['a', 'b,c', 'say "hi"', 'two\nlines'],
      ['1', '2', '3', '4'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('x,\n')).toEqual([['x', '']]);
  });

  it('names missing columns and bad rows, and keeps every Bedrock row when there is no line item type', () => {
    expect(billedItemsFromCurCsv('line_item_usage_type\nx').errors).toEqual([
      {
        line: 1,
        message:
          'missing column(s): line_item_usage_start_date, line_item_product_code, line_item_unblended_cost',
      },
    ]);
    const text = [
      '\uFEFFline_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_unblended_cost',
      '2026-11-23 10:00:00,AmazonBedrock,USE1-Claude3Haiku-input-tokens,0.5',
      '',
      'soon,AmazonBedrock,USE1-Claude3Haiku-input-tokens,0.5',
      '2026-11-23T10:00:00Z,AmazonBedrock,USE1-Claude3Haiku-input-tokens,n/a',
      '2026-11-23T10:00:00Z,AWSMarketplace,USE1-Claude3Haiku-input-tokens,1',
    ].join('\n');
    const imported = billedItemsFromCurCsv(text);
    expect(imported.items).toEqual([
      { date: DAY, region: null, usageType: 'USE1-Claude3Haiku-input-tokens', amount: '0.5' },
    ]);
    expect(imported.skipped).toBe(1);
    expect(imported.errors.map((e) => e.line)).toEqual([4, 5]);
    expect(
      billedItemsFromCurCsv(text, { productCodes: ['AmazonBedrock', 'AWSMarketplace'] }).items,
    ).toHaveLength(2);
  });
});

describe('decimal dollar amounts of a bill', () => {
  it('converts exactly when it can and rounds half to even once when it must', () => {
    expect(usdDecimalToNano('0.0105')).toBe(10_500_000);
    expect(usdDecimalToNano('-1.25')).toBe(-1_250_000_000);
    expect(usdDecimalToNano('1.2E-7')).toBe(120);
    expect(usdDecimalToNano('+3e2')).toBe(300_000_000_000);
    expect(usdDecimalToNano('.5')).toBe(500_000_000);
    expect(usdDecimalToNano('7.')).toBe(7_000_000_000);
    expect(usdDecimalToNano('0.0000000025')).toBe(2);
    expect(usdDecimalToNano('0.0000000035')).toBe(4);
    expect(usdDecimalToNano('-0.0000000035')).toBe(-4);
    expect(usdDecimalToUnits('0.0000000025', 18)).toBe(2_500_000_000n);
    for (const bad of ['', '.', 'abc', '1e999', '1,5']) {
      expect(() => usdDecimalToUnits(bad, 9)).toThrow(MoneyRangeError);
    }
    expect(() => usdDecimalToNano('1e10')).toThrow(MoneyRangeError);
  });

  it('brings summed units back to nano-USD from any scale', () => {
    expect(unitsToNano(25n, 10)).toBe(2);
    expect(unitsToNano(-35n, 10)).toBe(-4);
    expect(unitsToNano(3n, 6)).toBe(3_000);
    expect(() => unitsToNano(10n ** 30n, 9)).toThrow(MoneyRangeError);
  });
});
