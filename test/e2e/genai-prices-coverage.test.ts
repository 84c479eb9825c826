import {
  bedrockIdOfGenaiId,
  type ModelEntry,
  OVERLAY_DIFFERENCES,
  type Scope,
  type TokenUsage,
  tryResolveModel,
} from '@cost-management/core';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { call } from '../support/http.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

/*
 * The coverage check over HTTP: the local runtime's `POST /estimate` prices, for every Bedrock
 * model genai-prices lists (provider `aws`), its in-region id, `us.` geo and `global.` profiles
 * and their ARNs, at the same cost to the nano-dollar as genai-prices' own `calcPrice` — for a
 * plain call, cache reads, cache writes and a long-context call — except the differences the
 * Bedrock overlay names (`OVERLAY_DIFFERENCES`). One estimate per id carries every token mix as
 * an operation (its per-call cost is exactly a tracked call's); the estimates run 8 at a time.
 */

const provider = findProvider({ providerId: 'aws' })!;
const ACCOUNT_ARN = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile';
const MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model';
const PREFIX: Record<Scope, string> = { 'in-region': '', geo: 'us.', global: 'global.' };

type Mix = 'base' | 'cacheRead' | 'cacheWrite' | 'longContext';
const MIXES: Record<Mix, TokenUsage> = {
  base: { inputTokens: 1000, outputTokens: 500 },
  cacheRead: { inputTokens: 1000, outputTokens: 500, cacheReadInputTokens: 2000 },
  cacheWrite: { inputTokens: 1000, outputTokens: 500, cacheWriteInputTokens: 3000 },
  longContext: { inputTokens: 300_000, outputTokens: 1000 },
};

function genaiCost(id: string, u: TokenUsage, at: Date) {
  const read = u.cacheReadInputTokens ?? 0;
  const write = u.cacheWriteInputTokens ?? 0;
  const usage = {
    input_tokens: u.inputTokens + read + write,
    output_tokens: u.outputTokens,
    ...(read ? { cache_read_tokens: read } : {}),
    ...(write ? { cache_write_tokens: write } : {}),
  };
  const result = calcPrice(usage, id, { providerId: 'aws', timestamp: at });
  return result && result.provider.id === 'aws' ? result : null;
}

/** The differences the overlay names, as `<modelId> <scope> <mix>`. */
const NAMED = new Set(
  OVERLAY_DIFFERENCES.flatMap((d) => d.scopes.map((scope) => `${d.modelId} ${scope} ${d.field}`)),
);

interface Probe {
  entry: ModelEntry;
  scope: Scope;
  id: string;
  mixes: Mix[];
  /** Mixes whose cost the overlay names as different (priced apart: refused, or another cost). */
  named: Mix[];
  /** genai-prices' cost per mix, nano-USD. */
  expected: Partial<Record<Mix, number>>;
}

/** For each genai-prices Bedrock model, the ids and mixes to price: the first spelling genai-prices prices per scope. */
function probes(at: Date): { probes: Probe[]; models: Set<string> } {
  const entries = new Map<string, ModelEntry>();
  for (const model of provider.models) {
    const entry = tryResolveModel(bedrockIdOfGenaiId(model.id))?.model;
    if (!entry) throw new Error(`genai-prices model ${model.id} is not in the catalog`);
    entries.set(entry.modelId, entry);
  }
  const out: Probe[] = [];
  const matched = new Set<string>();
  for (const entry of entries.values()) {
    const names = [entry.modelId, ...(entry.spellings ?? [])];
    for (const scope of ['in-region', 'geo', 'global'] as const) {
      const id = names.map((n) => `${PREFIX[scope]}${n}`).find((n) => genaiCost(n, MIXES.base, at));
      if (!id) continue;
      const expected: Partial<Record<Mix, number>> = {};
      const mixes: Mix[] = [];
      const named: Mix[] = [];
      for (const [mix, usage] of Object.entries(MIXES) as [Mix, TokenUsage][]) {
        const theirs = genaiCost(id, usage, at);
        if (!theirs) continue;
        matched.add(theirs.model.id);
        const keys = Object.keys(theirs.model_price);
        // Cache mixes only where genai-prices lists a cache price (the catalog refuses cache tokens otherwise).
        if ((mix === 'cacheRead' || mix === 'cacheWrite') && !keys.some((k) => k.startsWith('cache_')))
          continue;
        (NAMED.has(`${entry.modelId} ${scope} ${mix}`) ? named : mixes).push(mix);
        expected[mix] = Math.round(theirs.total_price * 1e9);
      }
      const arn = scope === 'in-region' ? `${MODEL_ARN}/${id}` : `${ACCOUNT_ARN}/${id}`;
      for (const asked of [id, arn]) out.push({ entry, scope, id: asked, mixes, named, expected });
    }
  }
  return { probes: out, models: matched };
}

/** Runs `work` over `items`, `limit` at a time. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(async () => {
  await runtime.close();
});

describe('every Bedrock model genai-prices lists, priced over HTTP', () => {
  it('costs the same as genai-prices calcPrice to the nano-dollar, for ids, geo and global profiles and ARNs', async () => {
    const started = Date.now();
    const at = new Date();
    const { probes: list, models } = probes(at);
    const found: string[] = [];
    const seenDifferences = new Set<string>();
    let compared = 0;
    type Answer = { byOperation: { name: Mix; costPerCallUsd: number }[]; modelId: string };
    const estimate = (modelId: string, mixes: readonly Mix[]) =>
      call<Answer>(runtime.apiBase, 'POST', '/estimate', {
        key: TENANT_A.key,
        body: {
          modelId,
          days: 1,
          operations: mixes.map((mix) => ({
            name: mix,
            inputTokens: MIXES[mix].inputTokens,
            outputTokens: MIXES[mix].outputTokens,
            cacheReadInputTokens: MIXES[mix].cacheReadInputTokens ?? 0,
            cacheWriteInputTokens: MIXES[mix].cacheWriteInputTokens ?? 0,
            perDay: 1,
          })),
        },
      });
    // One estimate per id with every compared mix, and one per named difference.
    const calls = list.flatMap((probe) => [
      { probe, mixes: probe.mixes },
      ...probe.named.map((mix) => ({ probe, mixes: [mix] })),
    ]);
    const answers = await inParallel(calls, 8, ({ probe, mixes }) => estimate(probe.id, mixes));
    calls.forEach(({ probe, mixes }, i) => {
      const res = answers[i];
      const named = mixes.length === 1 && probe.named.includes(mixes[0] as Mix);
      if (named) {
        // The overlay's difference: refused (400 naming the field) or priced otherwise than genai-prices.
        const mix = mixes[0] as Mix;
        const ours =
          res?.status === 200 ? Math.round((res.body.byOperation[0]?.costPerCallUsd ?? 0) * 1e9) : null;
        expect(ours === null ? res?.status : ours, `${probe.id} ${mix}`).not.toBe(
          ours === null ? 200 : probe.expected[mix],
        );
        seenDifferences.add(`${probe.entry.modelId} ${probe.scope} ${mix}`);
        return;
      }
      expect(res?.status, `${probe.id}: ${res?.text}`).toBe(200);
      expect(res?.body.modelId).toBe(probe.entry.modelId);
      for (const op of res?.body.byOperation ?? []) {
        compared++;
        const ours = Math.round(op.costPerCallUsd * 1e9);
        if (ours !== probe.expected[op.name]) {
          found.push(`${probe.id} ${op.name}: ours ${ours}, genai-prices ${probe.expected[op.name]}`);
        }
      }
    });
    expect(found).toEqual([]);
    // Every genai-prices Bedrock model was reached through some id.
    expect(provider.models.map((m) => m.id).filter((id) => !models.has(id))).toEqual([]);
    const catalogModels = new Set(list.map((p) => p.entry.modelId));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.info(
      `HTTP coverage: ${provider.models.length} genai-prices Bedrock entries (${catalogModels.size} catalog models), ` +
        `${list.length} ids (in-region ids, geo and global profiles, ARNs) in ${calls.length} POST /estimate calls, ${compared} per-call costs equal to the nano-dollar, ` +
        `${seenDifferences.size} named overlay differences seen, in ${seconds} s`,
    );
    expect(compared).toBeGreaterThan(list.length);
  }, 120_000);
});
