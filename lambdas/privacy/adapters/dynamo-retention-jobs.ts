import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Item, queryAll } from '../../platform/dynamo-query.js';
import type { RetentionJob, RetentionJobStore } from '../ports/retention-job.js';

/**
 * Layout: the retention jobs of every tenant in one partition of the data-protection table, pk
 * `T#_retention` (a reserved tenant no key carries), sk the tenant id, so the sweep finds the open
 * ones with one query. A job names its tenant and touches only that tenant's keys.
 */
const JOBS_PK = 'T#_retention';

export function retentionJobItem(table: string, job: RetentionJob) {
  return { TableName: table, Item: { pk: JOBS_PK, sk: job.tenantId, ...job } };
}

function jobOf(item: Item): RetentionJob {
  const { pk: _pk, sk: _sk, ...job } = item;
  return job as unknown as RetentionJob;
}

export class DynamoRetentionJobStore implements RetentionJobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string): Promise<RetentionJob | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: JOBS_PK, sk: tenantId }, ConsistentRead: true }),
    );
    return res.Item ? jobOf(res.Item) : undefined;
  }

  async listOpen(): Promise<RetentionJob[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status <> :completed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': JOBS_PK, ':completed': 'completed' },
    });
    return items.map(jobOf);
  }

  async save(previous: RetentionJob, next: RetentionJob): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          ...retentionJobItem(this.table, next),
          ConditionExpression: 'requestedAt = :requested AND step = :step',
          ExpressionAttributeValues: { ':requested': previous.requestedAt, ':step': previous.step },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
