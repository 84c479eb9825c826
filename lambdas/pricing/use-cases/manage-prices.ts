import {
  DEFAULT_CATALOG,
  fromUsd,
  parseBedrockModelId,
  type TokenRates,
  toUsd,
  tryResolveModel,
  ValidationError,
} from '@cost-management/core';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { AuditActor, AuditLog } from '../../privacy/ports/audit-log.js';
import type { RepriceUnpriced } from '../ports/effective-catalog.js';
import type { PriceStore, StoredPrice } from '../ports/price-store.js';

export interface ManagePricesDeps {
  store: PriceStore;
  /** Drops the function's cached catalog of the tenant, so its next call sees the change. */
  forget(tenantId: string): void;
  /** Prices the tenant's usage recorded without a price that the new version covers. */
  reprice?: RepriceUnpriced;
  /** The audit log of configuration changes (privacy context): each change is audited with its write. */
  audit?: AuditLog;
}

/** A price version as an audit entry shows it (rates in dollars per million tokens). */
export function priceAuditView(price: Pick<StoredPrice, 'modelId' | 'effectiveFrom' | 'rates'>) {
  const usd = (nano: number | null) => (nano === null ? null : toUsd(nano));
  return {
    modelId: price.modelId,
    effectiveFrom: price.effectiveFrom,
    inputPerMTokUsd: usd(price.rates.inputNanoPerMTok),
    outputPerMTokUsd: usd(price.rates.outputNanoPerMTok),
    cacheReadPerMTokUsd: usd(price.rates.cacheReadNanoPerMTok),
    cacheWritePerMTokUsd: usd(price.rates.cacheWriteNanoPerMTok),
  };
}

const versionTarget = (modelId: string, effectiveFrom: string) => `${modelId}@${effectiveFrom}`;

export interface PriceInput {
  effectiveFrom: string;
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
  cacheReadPerMTokUsd?: number | undefined;
  cacheWritePerMTokUsd?: number | undefined;
}

/** The canonical id of a model: the catalog's for a model it knows, else the Bedrock id without profile or ARN. */
export function canonicalModelId(modelId: string): string {
  const known = tryResolveModel(modelId, DEFAULT_CATALOG);
  if (known) return known.model.modelId;
  const parsed = parseBedrockModelId(modelId);
  if (!parsed) {
    throw new ValidationError(`'${modelId}' is not a Bedrock model id`, [
      { path: 'modelId', message: 'must be a Bedrock model id, inference profile id or ARN' },
    ]);
  }
  return parsed.canonicalId;
}

const instant = (effectiveFrom: string) => new Date(effectiveFrom).toISOString();

/**
 * Adds a tenant price version (never rewriting one), then prices the tenant's unpriced usage it
 * covers. @throws ConflictError when the tenant has a version of the model at that instant.
 */
export async function putPrice(
  deps: ManagePricesDeps,
  tenantId: string,
  rawModelId: string,
  input: PriceInput,
  now: Date,
  actor: AuditActor = { tenant: tenantId, keyId: null },
): Promise<{ price: StoredPrice; repriced: number }> {
  const modelId = canonicalModelId(rawModelId);
  const rates: TokenRates = {
    inputNanoPerMTok: fromUsd(input.inputPerMTokUsd),
    outputNanoPerMTok: fromUsd(input.outputPerMTokUsd),
    cacheReadNanoPerMTok: input.cacheReadPerMTokUsd === undefined ? null : fromUsd(input.cacheReadPerMTokUsd),
    cacheWriteNanoPerMTok:
      input.cacheWritePerMTokUsd === undefined ? null : fromUsd(input.cacheWritePerMTokUsd),
  };
  const price = {
    modelId,
    effectiveFrom: instant(input.effectiveFrom),
    source: 'tenant' as const,
    note: 'tenant price',
    rates,
    createdAt: now.toISOString(),
  };
  const audit = await deps.audit?.prepare(
    {
      actor,
      action: 'prices.put',
      target: versionTarget(modelId, price.effectiveFrom),
      before: null,
      after: priceAuditView(price),
    },
    now,
  );
  if (!(await deps.store.add(tenantId, price, audit))) {
    throw new ConflictError(
      `A price of ${modelId} from ${price.effectiveFrom} exists; versions are never rewritten, add one with another effectiveFrom.`,
    );
  }
  deps.forget(tenantId);
  const { repriced } = deps.reprice ? await deps.reprice(tenantId) : { repriced: 0 };
  return { price: { ...price, pricedEvents: 0 }, repriced };
}

export async function listPrices(deps: ManagePricesDeps, tenantId: string): Promise<StoredPrice[]> {
  const prices = await deps.store.list(tenantId);
  return prices.sort((a, b) =>
    a.modelId === b.modelId ? (a.effectiveFrom < b.effectiveFrom ? -1 : 1) : a.modelId < b.modelId ? -1 : 1,
  );
}

/** Removes a version that has priced nothing. @throws NotFoundError, ConflictError. */
export async function deletePrice(
  deps: ManagePricesDeps,
  tenantId: string,
  rawModelId: string,
  effectiveFrom: string,
  now: Date = new Date(),
  actor: AuditActor = { tenant: tenantId, keyId: null },
): Promise<void> {
  const modelId = canonicalModelId(rawModelId);
  const from = instant(effectiveFrom);
  let audit: Awaited<ReturnType<AuditLog['prepare']>> | undefined;
  if (deps.audit) {
    const current = (await deps.store.list(tenantId)).find(
      (p) => p.modelId === modelId && p.effectiveFrom === from,
    );
    if (!current) throw new NotFoundError(`No price of ${modelId} from ${effectiveFrom}.`);
    audit = await deps.audit.prepare(
      {
        actor,
        action: 'prices.delete',
        target: versionTarget(modelId, from),
        before: priceAuditView(current),
        after: null,
      },
      now,
    );
  }
  const outcome = await deps.store.remove(tenantId, modelId, from, audit);
  if (outcome === 'not-found') throw new NotFoundError(`No price of ${modelId} from ${effectiveFrom}.`);
  if (outcome === 'in-use') {
    throw new ConflictError(
      `The price of ${modelId} from ${effectiveFrom} has priced usage; add a new version to correct it.`,
    );
  }
  deps.forget(tenantId);
}
