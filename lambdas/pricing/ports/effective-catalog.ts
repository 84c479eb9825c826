import type { Catalog } from '@cost-management/core';

/**
 * Port offered to the other contexts: a tenant's effective catalog (the built-in catalog plus the
 * service scope's and the tenant's price versions), at most a minute old.
 */
export type EffectiveCatalog = (tenantId: string) => Promise<Catalog>;

/**
 * Port offered by the usage context to pricing: reprice a tenant's unpriced usage now (or, for a
 * large backlog, part of it now and the rest in the background: `handedOff`).
 */
export type RepriceUnpriced = (tenantId: string) => Promise<{ repriced: number; handedOff?: boolean }>;

/**
 * Port offered by the usage context to pricing: reprice the usage of every tenant that has some
 * waiting for a price (after a service-wide price change, e.g. a price sync).
 */
export type RepriceWaitingUsage = () => Promise<{ tenants: number; repriced: number; handedOff?: number }>;
