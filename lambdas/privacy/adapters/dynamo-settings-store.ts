import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { tenantPk } from '../../platform/keys.js';
import type { AuditWrite } from '../ports/audit-log.js';
import type { RetentionJob } from '../ports/retention-job.js';
import type { SettingsStore, TenantSettings } from '../ports/settings-store.js';
import { retentionJobItem } from './dynamo-retention-jobs.js';

/** Layout: one item per tenant in the data-protection table, pk `T#<tenant>`, sk `SETTINGS`. */
const SETTINGS_SK = 'SETTINGS';

export class DynamoSettingsStore implements SettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: tenantPk(tenantId), sk: SETTINGS_SK },
        ConsistentRead: true,
      }),
    );
    const item = res.Item;
    if (!item) return undefined;
    return {
      retention: { usageDays: Number(item.usageDays), historyDays: Number(item.historyDays) },
      updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : null,
    };
  }

  async put(
    tenantId: string,
    settings: TenantSettings,
    options: { audit?: AuditWrite; job?: RetentionJob } = {},
  ): Promise<void> {
    const put = {
      TableName: this.table,
      Item: {
        pk: tenantPk(tenantId),
        sk: SETTINGS_SK,
        usageDays: settings.retention.usageDays,
        historyDays: settings.retention.historyDays,
        updatedAt: settings.updatedAt,
      },
    };
    if (!options.audit && !options.job) {
      await this.client.send(new PutCommand(put));
      return;
    }
    // The settings, the job applying them to stored items and the audit entry: all or nothing.
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: put },
          ...(options.job ? [{ Put: retentionJobItem(this.table, options.job) }] : []),
          ...(options.audit ? [{ Put: options.audit.put }] : []),
        ],
      }),
    );
  }
}
