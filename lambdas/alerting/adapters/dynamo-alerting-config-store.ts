import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { userPk } from '../../platform/keys.js';
import type { AuditWrite } from '../../privacy/ports/audit-log.js';
import type { AlertingConfig, AlertingConfigStore } from '../ports/alerting-store.js';
import { strip } from './item-keys.js';

/** Alert contacts of a user: pk `T#tenant#U#user`, sk `ALERTING`. */
export class DynamoAlertingConfigStore implements AlertingConfigStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string, userId: string): Promise<AlertingConfig | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: userPk(tenantId, userId), sk: 'ALERTING' } }),
    );
    return res.Item ? (strip(res.Item) as unknown as AlertingConfig) : undefined;
  }

  async put(tenantId: string, config: AlertingConfig, audit?: AuditWrite): Promise<void> {
    const put = {
      TableName: this.table,
      Item: { pk: userPk(tenantId, config.userId), sk: 'ALERTING', ...config },
    };
    if (!audit) {
      await this.client.send(new PutCommand(put));
      return;
    }
    // The contacts and the (masked) audit entry of their change: both or neither.
    await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: audit.put }] }));
  }
}
