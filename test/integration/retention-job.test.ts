import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expiresAtSeconds } from '@cost-management/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoBreachStore } from '../../lambdas/alerting/adapters/dynamo-breach-store.js';
import { createDocumentClient } from '../../lambdas/platform/dynamo-client.js';
import { EXPIRY_PAGE_SIZE } from '../../lambdas/platform/expiry.js';
import { physicalTableName, TABLES } from '../../lambdas/platform/tables.js';
import { DynamoAuditLog } from '../../lambdas/privacy/adapters/dynamo-audit-log.js';
import { DynamoRetentionJobStore } from '../../lambdas/privacy/adapters/dynamo-retention-jobs.js';
import { DynamoSettingsStore } from '../../lambdas/privacy/adapters/dynamo-settings-store.js';
import type { ExpiryRewriter } from '../../lambdas/privacy/ports/retention-job.js';
import { newRetentionJob } from '../../lambdas/privacy/use-cases/manage-settings.js';
import { runRetentionJobs } from '../../lambdas/privacy/use-cases/run-retention-jobs.js';
import { DynamoUsageRecords, usageRecordItem } from '../../lambdas/usage/adapters/dynamo-usage-records.js';
import type { UsageRecord } from '../../lambdas/usage/ports/usage-store.js';
import { createTablesAt } from '../support/dynamo.js';

/**
 * The retention job against DynamoDB Local: a crash part-way resumes from the last saved page,
 * rewrites nothing twice, touches only its tenant, and stops when a newer change replaces it.
 */
const prefix = `rj${Date.now().toString(36)}`;
const name = (key: keyof typeof TABLES) => physicalTableName(TABLES[key], prefix);
let client: DynamoDBDocumentClient;

const TENANT = 'keeper';
const OTHER = 'neighbour';
const RECORDS = Math.round(EXPIRY_PAGE_SIZE * 2.5);

function record(i: number): UsageRecord {
  return {
    requestId: `req-${i}`,
    userId: `user-${i % 7}`,
    modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    requestedModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
    inputTokens: 10,
    outputTokens: 10,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    costNano: 1,
    breakdown: { inputNano: 1, outputNano: 0, cacheReadNano: 0, cacheWriteNano: 0 },
    priceVersion: 'v',
    expiresAt: expiresAtSeconds(new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(), 400),
  };
}

async function seed(tenantId: string, count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => usageRecordItem(tenantId, record(i), 'hash'));
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [name('tokenUsage')]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
}

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  process.env.DYNAMODB_ENDPOINT = endpoint;
  await createTablesAt(endpoint, prefix);
  client = createDocumentClient();
  await seed(TENANT, RECORDS);
  await seed(OTHER, 40);
}, 120_000);

afterAll(() => client.destroy());

const usageRecords = () => new DynamoUsageRecords(client, name('tokenUsage'));
const parts = (): ExpiryRewriter[] => [
  usageRecords(),
  new DynamoBreachStore(client, name('thresholdBreaches')),
  new DynamoAuditLog(client, name('dataProtection'), async () => 730),
];
const jobs = () => new DynamoRetentionJobStore(client, name('dataProtection'));

async function storedExpiries(tenantId: string, count: number): Promise<number[]> {
  const reader = usageRecords();
  return Promise.all(
    Array.from({ length: count }, async (_, i) =>
      Number((await reader.recorded(tenantId, `req-${i}`))?.record.expiresAt),
    ),
  );
}

/** Counts the pages a rewriter is asked for; crashes after the rewrite of page `crashAt` (before its save). */
function counting(inner: ExpiryRewriter, crashAt?: number) {
  let pages = 0;
  let rewritten = 0;
  const rewriter: ExpiryRewriter = {
    part: inner.part,
    rewritePage: async (tenantId, retention, after) => {
      const page = await inner.rewritePage(tenantId, retention, after);
      pages++;
      rewritten += page.rewritten;
      if (pages === crashAt) throw new Error('the function was stopped');
      return page;
    },
  };
  return { rewriter, pages: () => pages, rewritten: () => rewritten };
}

describe('a retention job', () => {
  it('resumes after a crash from the last saved page and completes, rewriting each record once', async () => {
    const now = new Date();
    const job = newRetentionJob(TENANT, { usageDays: 60, historyDays: 365 }, now, 0);
    await new DynamoSettingsStore(client, name('dataProtection')).put(
      TENANT,
      { retention: job.retention, updatedAt: now.toISOString() },
      { job },
    );

    const crashing = counting(usageRecords(), 2);
    await expect(
      runRetentionJobs(
        { jobs: jobs(), parts: [crashing.rewriter, ...parts().slice(1)] },
        now,
        Date.now() + 60_000,
      ),
    ).rejects.toThrow('stopped');
    const saved = await jobs().get(TENANT);
    // One page saved; the second was rewritten but its save never happened.
    expect(saved).toMatchObject({ status: 'running', part: 'usage-records', step: 1 });
    expect(saved?.position).not.toBeNull();
    const afterCrash = saved?.rewritten ?? 0;
    expect(afterCrash).toBeGreaterThan(0);

    const resumed = counting(usageRecords());
    const summary = await runRetentionJobs(
      { jobs: jobs(), parts: [resumed.rewriter, ...parts().slice(1)] },
      now,
      Date.now() + 60_000,
    );
    expect(summary).toMatchObject({ jobs: 1, completed: 1 });
    const done = await jobs().get(TENANT);
    expect(done).toMatchObject({ status: 'completed', part: null, position: null });
    // Every record of the tenant has the new expiry, and was written exactly once: the page
    // rewritten before the crash (and not saved) was read again and found already right.
    const expected = Array.from({ length: RECORDS }, (_, i) => expiresAtSeconds(record(i).timestamp, 60));
    expect(await storedExpiries(TENANT, RECORDS)).toEqual(expected);
    expect(crashing.rewritten() + resumed.rewritten()).toBe(RECORDS);
    expect(done?.examined).toBe(RECORDS);
    expect(done?.rewritten).toBeLessThan(RECORDS);
    // It resumed: the second run did not start over from the first page.
    const fullRun = Math.ceil((RECORDS + 40) / EXPIRY_PAGE_SIZE);
    expect(resumed.pages()).toBeLessThan(fullRun);
    // The neighbour's records keep their expiry.
    const untouched = Array.from({ length: 40 }, (_, i) => expiresAtSeconds(record(i).timestamp, 400));
    expect(await storedExpiries(OTHER, 40)).toEqual(untouched);

    // A completed job is not run again.
    expect(
      await runRetentionJobs({ jobs: jobs(), parts: parts() }, new Date(), Date.now() + 60_000),
    ).toMatchObject({ jobs: 0 });
  });

  it('waits for its start, stops at the deadline, and gives way to a newer change', async () => {
    const now = new Date();
    const settings = new DynamoSettingsStore(client, name('dataProtection'));
    const first = newRetentionJob(TENANT, { usageDays: 90, historyDays: 365 }, now);
    await settings.put(TENANT, { retention: first.retention, updatedAt: now.toISOString() }, { job: first });
    // Not before every cache can have the new value.
    expect(await runRetentionJobs({ jobs: jobs(), parts: parts() }, now, Date.now() + 60_000)).toMatchObject({
      jobs: 0,
    });
    const later = new Date(Date.parse(first.startAfter) + 1);
    // A deadline already passed: nothing runs.
    expect(await runRetentionJobs({ jobs: jobs(), parts: parts() }, later, Date.now() - 1)).toMatchObject({
      jobs: 0,
    });

    // A run that is one page in when a newer change replaces the job stops without saving over it.
    let replaced = false;
    const replacing: ExpiryRewriter = {
      part: 'usage-records',
      rewritePage: async (tenantId, retention, after) => {
        const page = await usageRecords().rewritePage(tenantId, retention, after);
        if (!replaced) {
          replaced = true;
          const second = newRetentionJob(TENANT, { usageDays: 120, historyDays: 365 }, new Date(), 0);
          await settings.put(
            TENANT,
            { retention: second.retention, updatedAt: second.requestedAt },
            { job: second },
          );
        }
        return page;
      },
    };
    const stopped = await runRetentionJobs({ jobs: jobs(), parts: [replacing] }, later, Date.now() + 60_000);
    expect(stopped).toMatchObject({ jobs: 1, completed: 0 });
    expect(await jobs().get(TENANT)).toMatchObject({
      status: 'pending',
      retention: { usageDays: 120 },
      step: 0,
    });

    await runRetentionJobs({ jobs: jobs(), parts: parts() }, new Date(), Date.now() + 60_000);
    const expected = Array.from({ length: RECORDS }, (_, i) => expiresAtSeconds(record(i).timestamp, 120));
    expect(await storedExpiries(TENANT, RECORDS)).toEqual(expected);
  });
});
