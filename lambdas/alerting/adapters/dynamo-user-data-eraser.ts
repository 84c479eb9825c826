import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deleteKeys, type ItemKey, indexKeys, partitionKeys } from '../../platform/dynamo-erase.js';
import { userPk } from '../../platform/keys.js';
import type { AlertingDataEraser } from '../ports/user-data-eraser.js';

/** Items deleted per call. */
const BATCH = 100;
/** Thresholds and breaches list a user's items in `gsi1` (gsi1pk `T#tenant#U#user`). */
const USER_INDEX = { name: 'gsi1', partitionKey: 'gsi1pk' };

export interface AlertingTables {
  thresholds: string;
  breaches: string;
  config: string;
}

/**
 * A user's items in the alerting context's tables: thresholds and breaches through their user
 * index, contacts as the user's whole partition of the alerting config table.
 */
export class DynamoAlertingDataEraser implements AlertingDataEraser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: AlertingTables,
  ) {}

  private async erase(table: string, keys: ItemKey[]): Promise<number> {
    await deleteKeys(this.client, table, keys);
    return keys.length;
  }

  private byUser(table: string, tenantId: string, userId: string, limit: number) {
    return indexKeys(this.client, table, USER_INDEX, userPk(tenantId, userId), limit);
  }

  async holdsThresholds(tenantId: string, userId: string) {
    return (await this.byUser(this.tables.thresholds, tenantId, userId, 1)).length > 0;
  }

  async eraseThresholds(tenantId: string, userId: string) {
    return this.erase(
      this.tables.thresholds,
      await this.byUser(this.tables.thresholds, tenantId, userId, BATCH),
    );
  }

  async holdsBreaches(tenantId: string, userId: string) {
    return (await this.byUser(this.tables.breaches, tenantId, userId, 1)).length > 0;
  }

  async eraseBreaches(tenantId: string, userId: string) {
    return this.erase(this.tables.breaches, await this.byUser(this.tables.breaches, tenantId, userId, BATCH));
  }

  async holdsContacts(tenantId: string, userId: string) {
    return (await partitionKeys(this.client, this.tables.config, userPk(tenantId, userId), 1)).length > 0;
  }

  async eraseContacts(tenantId: string, userId: string) {
    const keys = await partitionKeys(this.client, this.tables.config, userPk(tenantId, userId), BATCH);
    return this.erase(this.tables.config, keys);
  }
}
