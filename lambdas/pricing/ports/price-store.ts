import type { AddedPriceVersion } from '@cost-management/core';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';

/** The reserved scope of service-wide price versions (a price sync); no API key carries it. */
export const SERVICE_SCOPE = '_service';

/** A stored price version: a tenant's own (`source` tenant) or the service scope's (`source` sync). */
export interface StoredPrice extends AddedPriceVersion {
  /** The model id as given (canonical or any accepted spelling). */
  readonly modelId: string;
  readonly createdAt: string;
  /** Events this version has priced (ingest and repricing add to it). */
  readonly pricedEvents: number;
}

/** Port: price versions of one scope (a tenant, or {@link SERVICE_SCOPE}). Versions are never rewritten. */
export interface PriceStore {
  /**
   * Adds a version; false when the scope already has one for this model and `effectiveFrom`. With
   * `audit`, in one transaction with the audit entry of the change (neither is written on false).
   */
  add(scope: string, price: Omit<StoredPrice, 'pricedEvents'>, audit?: AuditWrite): Promise<boolean>;
  list(scope: string): Promise<StoredPrice[]>;
  /**
   * Removes a version that has priced nothing: `in-use` once it has, `not-found` when absent. With
   * `audit`, in one transaction with the audit entry of the change (not written unless removed).
   */
  remove(
    scope: string,
    modelId: string,
    effectiveFrom: string,
    audit?: AuditWrite,
  ): Promise<'removed' | 'not-found' | 'in-use'>;
}
