/**
 * Reconciles a CUR 2.0 CSV export with what the local service priced, stores the result (read it
 * with `GET /reconciliation`) and prints the gap.
 *
 *   npm run reconcile -- CUR_FILE [--tenant local] [--threshold 2]
 *
 * Reads the service's DynamoDB: `DYNAMODB_ENDPOINT` (the endpoint `npm start` prints) and
 * `TABLE_PREFIX` as the runtime was started with. Tracked usage carries no Region, so days and
 * models are compared across Regions. When the unexplained gap exceeds the threshold (default
 * 2 %, or `RECONCILE_THRESHOLD_PERCENT`) the operators are alerted (error log line and the
 * `ReconciliationGap` metric) and the exit code is 3.
 */
import { readFileSync } from 'node:fs';
import { billedItemsFromCurCsv, type ReconciliationReport, toUsd } from '@cost-management/core';
import { physicalTableName, TABLES } from '../lambdas/platform/tables.js';
import { operatorGapAlert } from '../lambdas/usage/adapters/operator-gap-alert.js';
import type { GapAlert } from '../lambdas/usage/ports/reconciliation.js';
import { runReconciliation } from '../lambdas/usage/use-cases/reconcile.js';
import { reconciliationStore, trackedCosts } from '../lambdas/usage/wiring.js';
import { runMain } from './run-main.js';

export interface CurReconciliation {
  report: ReconciliationReport;
  skipped: number;
  errors: { line: number; message: string }[];
}

/** Imports the CUR text and runs one reconciliation for the tenant. */
export async function reconcileCur(
  curText: string,
  options: {
    tenantId: string;
    thresholdPercent?: number;
    tablePrefix?: string;
    alert?: GapAlert;
    now?: Date;
  },
): Promise<CurReconciliation> {
  const imported = billedItemsFromCurCsv(curText);
  const env = {
    TOKEN_ANALYTICS_TABLE: physicalTableName(TABLES.tokenAnalytics, options.tablePrefix),
    COST_MONITORING_TABLE: physicalTableName(TABLES.costMonitoring, options.tablePrefix),
  };
  const report = await runReconciliation(
    {
      tracked: trackedCosts(env),
      store: reconciliationStore(env),
      alert: options.alert ?? operatorGapAlert(),
    },
    options.tenantId,
    imported.items,
    {
      now: options.now ?? new Date(),
      ...(options.thresholdPercent !== undefined ? { thresholdPercent: options.thresholdPercent } : {}),
    },
  );
  return { report, skipped: imported.skipped, errors: imported.errors };
}

function argValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) {
    console.error('usage: npm run reconcile -- CUR_FILE [--tenant t] [--threshold percent]');
    return 2;
  }
  if (!process.env.DYNAMODB_ENDPOINT) {
    console.error('Set DYNAMODB_ENDPOINT to the DynamoDB endpoint `npm start` prints.');
    return 2;
  }
  const threshold = argValue(args, '--threshold') ?? process.env.RECONCILE_THRESHOLD_PERCENT;
  const { report, skipped, errors } = await reconcileCur(readFileSync(file, 'utf8'), {
    tenantId: argValue(args, '--tenant') ?? 'local',
    ...(threshold !== undefined ? { thresholdPercent: Number(threshold) } : {}),
    ...(process.env.TABLE_PREFIX ? { tablePrefix: process.env.TABLE_PREFIX } : {}),
  });
  for (const e of errors) console.error(`line ${e.line}: ${e.message}`);
  for (const r of report.rows) {
    console.log(
      `${r.date} ${r.modelId ?? '(unmapped)'}: tracked ${toUsd(r.trackedNano)} billed ${toUsd(r.billedNano)} gap ${toUsd(r.gapNano)} (${r.gapPercent}%)`,
    );
  }
  console.log(
    `total: tracked ${toUsd(report.totals.trackedNano)} billed ${toUsd(report.totals.billedNano)} gap ${toUsd(report.totals.gapNano)} (${report.totals.gapPercent}%), threshold ${report.thresholdPercent}%; ${skipped} line items not Bedrock usage (credits, other services), ${report.ignoredUsageTypes.length} usage types not token usage`,
  );
  return report.exceeded ? 3 : 0;
}

runMain(import.meta.url, main);
