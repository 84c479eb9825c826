import { readFileSync } from 'node:fs';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../packages/core/src/errors.js';
import {
  bedrockIdOfGenaiId,
  buildCatalog,
  CATALOG,
  catalogEntriesOf,
  DEFAULT_CATALOG,
  OVERLAY_DIFFERENCES,
  priceUsage,
  tryResolveModel,
  versionAt,
} from '../../packages/core/src/pricing/index.js';
import type { ModelEntry, Scope, TokenUsage } from '../../packages/core/src/pricing/types.js';
import { buildCatalogData, CATALOG_DATA_PATH, catalogDataText } from '../../scripts/prices-build.js';

/*
 * Coverage check against the price data of @pydantic/genai-prices (provider `aws`): every
 * Bedrock model it lists must be priced by the catalog, for the same usage, at the same cost as
 * genai-prices' own `calcPrice` computes — for several token mixes (cache reads and writes,
 * 1-hour cache writes, long context), for in-region ids, geo and global profiles, at every
 * instant where either side changes price. The only differences allowed are the ones the Bedrock
 * overlay names (OVERLAY_DIFFERENCES); a named difference that disappears fails too.
 */

const provider = findProvider({ providerId: 'aws' })!;
const NOW = '2026-11-30T12:00:00Z';
const ACCOUNT_ARN = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile';
const MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model';

type Mix = 'base' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'longContext';
const MIXES: Record<Mix, TokenUsage> = {
  base: { inputTokens: 1000, outputTokens: 500 },
  cacheRead: { inputTokens: 1000, outputTokens: 500, cacheReadInputTokens: 2000 },
  cacheWrite: { inputTokens: 1000, outputTokens: 500, cacheWriteInputTokens: 3000 },
  cacheWrite1h: {
    inputTokens: 1000,
    outputTokens: 500,
    cacheWriteInputTokens: 3000,
    cacheWrite1hInputTokens: 1000,
  },
  longContext: { inputTokens: 300_000, outputTokens: 1000 },
};
const FIELD_OF_MIX: Record<Mix, string> = {
  base: 'base',
  cacheRead: 'cacheRead',
  cacheWrite: 'cacheWrite',
  cacheWrite1h: 'cacheWrite',
  longContext: 'longContext',
};

function genaiUsage(u: TokenUsage) {
  const read = u.cacheReadInputTokens ?? 0;
  const write = u.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: u.inputTokens + read + write,
    output_tokens: u.outputTokens,
    ...(read ? { cache_read_tokens: read } : {}),
    ...(write ? { cache_write_tokens: write } : {}),
    ...(u.cacheWrite1hInputTokens ? { cache_write_1h_tokens: u.cacheWrite1hInputTokens } : {}),
  };
}

function genaiCost(id: string, usage: TokenUsage, at: string) {
  const result = calcPrice(genaiUsage(usage), id, { providerId: 'aws', timestamp: new Date(at) });
  return result && result.provider.id === 'aws' ? result : null;
}

/** Genai-prices' prices alone, under the catalog's ids: tells an overlay version from a converted one. */
const PURE = buildCatalog(catalogEntriesOf(buildCatalogData(), false));

function instantsOf(entry: ModelEntry): string[] {
  const genaiModels = provider.models.filter(
    (m) => tryResolveModel(bedrockIdOfGenaiId(m.id))?.model === entry,
  );
  const days = new Set<string>(entry.prices.map((p) => p.effectiveFrom));
  for (const model of genaiModels) {
    if (!Array.isArray(model.prices)) continue;
    for (const p of model.prices) if (p.constraint?.type === 'start_date') days.add(p.constraint.start_date);
  }
  const instants = [NOW, '2023-01-01T00:00:00Z'];
  for (const day of days) {
    const ms = Date.parse(`${day}T00:00:00Z`);
    instants.push(new Date(ms).toISOString(), new Date(ms - 1).toISOString());
  }
  return instants;
}

function ourCost(id: string, usage: TokenUsage, at: string) {
  try {
    return priceUsage({ modelId: id, usage, at });
  } catch (error) {
    if (error instanceof ValidationError) return null;
    throw error;
  }
}

const PREFIX: Record<Scope, string> = { 'in-region': '', geo: 'us.', global: 'global.' };

interface Found {
  key: string;
  detail: string;
}

function compareModel(entry: ModelEntry, matched: Set<string>, found: Found[]): number {
  let compared = 0;
  const names = [entry.modelId, ...(entry.spellings ?? [])];
  for (const scope of ['in-region', 'geo', 'global'] as const) {
    // The first spelling genai-prices prices in this scope (genai-prices matches by rules).
    const id = names.map((n) => `${PREFIX[scope]}${n}`).find((n) => genaiCost(n, MIXES.base, NOW));
    if (!id) continue;
    const arn = scope === 'in-region' ? `${MODEL_ARN}/${id}` : `${ACCOUNT_ARN}/${id}`;
    for (const at of instantsOf(entry)) {
      for (const [mix, usage] of Object.entries(MIXES) as [Mix, TokenUsage][]) {
        const theirs = genaiCost(id, usage, at);
        if (!theirs) continue;
        matched.add(theirs.model.id);
        if (tryResolveModel(bedrockIdOfGenaiId(theirs.model.id))?.model !== entry) {
          found.push({ key: `${entry.modelId} ${scope} match`, detail: `${id} → ${theirs.model.id}` });
          continue;
        }
        const keys = Object.keys(theirs.model_price);
        if (mix !== 'base' && mix !== 'longContext' && !keys.some((k) => k.startsWith('cache_'))) continue;
        const ours = ourCost(id, usage, at);
        compared++;
        expect(ourCost(arn, usage, at)?.costNano, `${arn} ${mix} ${at}`).toBe(ours?.costNano);
        const expected = Math.round(theirs.total_price * 1e9);
        if (ours?.costNano === expected) continue;
        const inForce = versionAt(entry, Date.parse(at)).version;
        const fromOverlay = !PURE.entries
          .find((e) => e.modelId === entry.modelId)
          ?.prices.some((p) => p.version === inForce);
        const field = fromOverlay ? 'history' : FIELD_OF_MIX[mix];
        found.push({
          key: `${entry.modelId} ${scope} ${field}`,
          detail: `${id} ${mix} at ${at}: ours ${ours?.costNano ?? 'refused'}, genai-prices ${expected}`,
        });
      }
    }
  }
  if (compared === 0)
    found.push({ key: `${entry.modelId} in-region model`, detail: 'genai-prices has no price' });
  return compared;
}

describe('coverage of @pydantic/genai-prices (provider aws)', () => {
  const matched = new Set<string>();
  const found: Found[] = [];
  const comparisons = CATALOG.reduce((n, entry) => n + compareModel(entry, matched, found), 0);
  const foundKeys = new Set(found.map((f) => f.key));
  const expectedKeys = new Set(
    OVERLAY_DIFFERENCES.flatMap((d) => d.scopes.map((scope) => `${d.modelId} ${scope} ${d.field}`)),
  );

  it('converts every Bedrock model genai-prices lists', () => {
    expect(provider.models).toHaveLength(93);
    expect(buildCatalogData().skipped).toEqual([]);
    for (const model of provider.models) {
      expect(tryResolveModel(bedrockIdOfGenaiId(model.id)), model.id).toBeDefined();
    }
  });

  it('prices every genai-prices Bedrock model the same way genai-prices does', () => {
    expect(provider.models.map((m) => m.id).filter((id) => !matched.has(id))).toEqual([]);
  });

  it('has no difference the overlay does not name', () => {
    expect(found.filter((f) => !expectedKeys.has(f.key))).toEqual([]);
  });

  it('names no difference that no longer differs, each with a reason and a source', () => {
    expect([...expectedKeys].filter((k) => !foundKeys.has(k))).toEqual([]);
    for (const d of OVERLAY_DIFFERENCES) {
      expect(d.reason.length, d.modelId).toBeGreaterThan(40);
      expect(d.source, d.modelId).toMatch(/^https:\/\//);
    }
    console.info(
      `genai-prices coverage: ${provider.models.length} genai-prices entries, ${CATALOG.length} catalog models, ` +
        `${comparisons} priced comparisons, ${foundKeys.size} named differences`,
    );
  });

  it('agrees on the reference call: 1,000 input + 500 output on Claude 3.5 Sonnet = 0.0105 USD', () => {
    const usage = MIXES.base;
    const ours = priceUsage({ modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', usage, at: NOW });
    expect(ours.costNano).toBe(10_500_000);
    const theirs = genaiCost('anthropic.claude-3-5-sonnet-20240620-v1:0', usage, NOW)!;
    expect(Math.round(theirs.total_price * 1e9)).toBe(10_500_000);
  });
});

describe('the generated catalog data', () => {
  it('is exactly what `npm run prices:build` writes from the installed genai-prices', () => {
    expect(readFileSync(CATALOG_DATA_PATH, 'utf8')).toBe(catalogDataText(buildCatalogData()));
  });

  it('is the data the default catalog is built from', () => {
    expect(DEFAULT_CATALOG.entries).toEqual(catalogEntriesOf(buildCatalogData()));
  });
});
