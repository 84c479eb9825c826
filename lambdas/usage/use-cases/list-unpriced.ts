import type { UnpricedUsage } from '../ports/read-stores.js';

/** What listing unpriced usage reads: the per-model summary and each model's first and last event. */
export interface ListUnpricedDeps {
  summaries(tenantId: string): Promise<Omit<UnpricedUsage, 'firstSeen' | 'lastSeen'>[]>;
  span(tenantId: string, modelId: string): Promise<{ firstSeen: string | null; lastSeen: string | null }>;
}

/** The tenant's usage recorded without a price, by model, in model id order. */
export async function listUnpriced(deps: ListUnpricedDeps, tenantId: string): Promise<UnpricedUsage[]> {
  const summaries = await deps.summaries(tenantId);
  const items = await Promise.all(
    summaries.map(async (s) => ({ ...s, ...(await deps.span(tenantId, s.modelId)) })),
  );
  return items.sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
}
