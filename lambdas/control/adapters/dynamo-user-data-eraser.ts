import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deleteKeys, indexKeys, partitionKeys } from '../../platform/dynamo-erase.js';
import { userPk } from '../../platform/keys.js';
import type { ControlDataEraser } from '../ports/user-data-eraser.js';

/** Items deleted per call. */
const BATCH = 100;
/** The control actions list a user's history in `gsi1` (gsi1pk `T#tenant#U#user`). */
const HISTORY_INDEX = { name: 'gsi1', partitionKey: 'gsi1pk' };

/**
 * A user's items in the control context's tables: the user's whole partition of the auto-control
 * config table (config and state, reservations), and the history through its user index.
 */
export class DynamoControlDataEraser implements ControlDataEraser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: { config: string; actions: string },
  ) {}

  async holdsConfig(tenantId: string, userId: string) {
    return (await partitionKeys(this.client, this.tables.config, userPk(tenantId, userId), 1)).length > 0;
  }

  async eraseConfig(tenantId: string, userId: string) {
    const keys = await partitionKeys(this.client, this.tables.config, userPk(tenantId, userId), BATCH);
    await deleteKeys(this.client, this.tables.config, keys);
    return keys.length;
  }

  async holdsHistory(tenantId: string, userId: string) {
    const keys = await indexKeys(
      this.client,
      this.tables.actions,
      HISTORY_INDEX,
      userPk(tenantId, userId),
      1,
    );
    return keys.length > 0;
  }

  async eraseHistory(tenantId: string, userId: string) {
    const keys = await indexKeys(
      this.client,
      this.tables.actions,
      HISTORY_INDEX,
      userPk(tenantId, userId),
      BATCH,
    );
    await deleteKeys(this.client, this.tables.actions, keys);
    return keys.length;
  }
}
