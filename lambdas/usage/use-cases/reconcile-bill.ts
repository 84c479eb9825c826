import { addDays, type BilledLineItem, daysBetween, type NanoUsd } from '@cost-management/core';
import type { BilledUsageQuery, BillReader } from '../ports/bill-reader.js';
import type { GapMetric } from '../ports/reconciliation.js';
import { type ReconcileDeps, runReconciliation } from './reconcile.js';

/** The Cost Explorer service whose usage is reconciled unless configured otherwise. */
export const DEFAULT_BILLED_SERVICES: readonly string[] = ['Amazon Bedrock'];
/** Closed days compared by one run. */
export const DEFAULT_RECONCILE_DAYS = 3;
/** The last day a run compares lies this many days before the run's own day: the bill settles late. */
export const DEFAULT_RECONCILE_LAG_DAYS = 2;
/** A bill that needs more pages than this is not read to the end: the run fails instead of guessing. */
export const MAX_BILL_PAGES = 200;

export interface BillReconciliationConfig {
  /** Each account's bill is compared with the tracked usage of the tenant it maps to. */
  accounts: readonly { account: string; tenantId: string }[];
  services: readonly string[];
  thresholdPercent: number;
  days: number;
  lagDays: number;
}

export interface BillReconciliationDeps extends ReconcileDeps {
  bill: BillReader;
  /** Called after every run, whatever its gap. */
  gapMetric: GapMetric;
}

export type AccountRun =
  | {
      account: string;
      tenantId: string;
      status: 'reconciled';
      trackedNano: NanoUsd;
      billedNano: NanoUsd;
      gapNano: NanoUsd;
      gapPercent: number;
      exceeded: boolean;
      /** Billed token usage types of models the catalog mapping does not know (rows with no model). */
      unmappedUsageTypes: string[];
      /** Billed usage types that are not token usage (provisioned throughput, images …): left out. */
      ignoredUsageTypes: string[];
      pages: number;
    }
  | { account: string; tenantId: string; status: 'failed'; error: Error };

export interface BillReconciliationSummary {
  from: string;
  to: string;
  runs: AccountRun[];
}

/** The days a run on `now` compares: `days` UTC days ending `lagDays` before today. */
export function reconciliationWindow(now: Date, days: number, lagDays: number): { from: string; to: string } {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  if (!Number.isInteger(lagDays) || lagDays < 0)
    throw new Error(`lagDays must be a non-negative integer, got ${lagDays}`);
  const to = addDays(now.toISOString().slice(0, 10), -lagDays);
  return { from: addDays(to, -(days - 1)), to };
}

/**
 * Every billed line item of one account and day range, read page after page. Amounts must be
 * in USD (the service prices in USD); a page naming a day outside the range is refused.
 */
export async function readBilledUsage(
  bill: BillReader,
  query: BilledUsageQuery,
): Promise<{ items: BilledLineItem[]; pages: number }> {
  const items: BilledLineItem[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages >= MAX_BILL_PAGES) {
      throw new Error(`the bill of ${query.account} needs more than ${MAX_BILL_PAGES} pages`);
    }
    const page = await bill.usagePage(query, token);
    pages += 1;
    for (const day of page.days) {
      if (day.date < query.start || day.date >= query.end) {
        throw new Error(`Cost Explorer answered day ${day.date} outside ${query.start}..${query.end}`);
      }
      for (const group of day.groups) {
        if (group.unit !== 'USD') {
          throw new Error(`Cost Explorer answered ${group.usageType} in ${group.unit}, not USD`);
        }
        items.push({
          date: day.date,
          region: group.region,
          usageType: group.usageType,
          amount: group.amount,
        });
      }
    }
    token = page.nextPageToken || undefined;
  } while (token);
  return { items, pages };
}

/**
 * The daily reconciliation with the bill: for each configured account, reads its Amazon Bedrock
 * usage from Cost Explorer for the closed days of the window, compares it per day and model with
 * the tracked usage of the account's tenant, stores the rows (`GET /reconciliation` answers
 * them), records the gap metric of every run, and alerts when the gap exceeds the threshold.
 * One account failing (Cost Explorer or DynamoDB) does not stop the others; it is reported.
 */
export async function reconcileBill(
  deps: BillReconciliationDeps,
  config: BillReconciliationConfig,
  now: Date,
): Promise<BillReconciliationSummary> {
  const { from, to } = reconciliationWindow(now, config.days, config.lagDays);
  const days = daysBetween(from, to);
  const runs: AccountRun[] = [];
  for (const { account, tenantId } of config.accounts) {
    try {
      const { items, pages } = await readBilledUsage(deps.bill, {
        account,
        services: config.services,
        start: from,
        end: addDays(to, 1),
      });
      const report = await runReconciliation(deps, tenantId, items, {
        now,
        days,
        thresholdPercent: config.thresholdPercent,
      });
      deps.gapMetric(tenantId, report);
      runs.push({
        account,
        tenantId,
        status: 'reconciled',
        trackedNano: report.totals.trackedNano,
        billedNano: report.totals.billedNano,
        gapNano: report.totals.gapNano,
        gapPercent: report.totals.gapPercent,
        exceeded: report.exceeded,
        unmappedUsageTypes: [
          ...new Set(report.rows.filter((r) => r.modelId === null).flatMap((r) => r.usageTypes)),
        ].sort(),
        ignoredUsageTypes: report.ignoredUsageTypes,
        pages,
      });
    } catch (error) {
      runs.push({ account, tenantId, status: 'failed', error: error as Error });
    }
  }
  return { from, to, runs };
}
