import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../platform/dynamo-query.js';
import { tenantPk } from '../../platform/keys.js';
import type { AuditChange } from '../ports/audit-log.js';
import {
  type ErasureJob,
  type ErasureLease,
  ErasureLeaseLostError,
  type ErasureStore,
  type OpenErasure,
} from '../ports/erasure.js';
import type { DynamoAuditLog } from './dynamo-audit-log.js';

/**
 * Layout in the data-protection table:
 * - the job: pk `T#<tenant>`, sk `E#<erasureId>`, with the user id it erases (the answer of
 *   `GET /erasures/{id}` and the proof that the request was carried out), its status, the parts
 *   done, the lease of the worker running it and, while it runs, the pseudonym;
 * - the user's marker: pk `T#<tenant>`, sk `EU#<sha256 of tenant and user id>`, naming the latest
 *   erasure of the user, so a repeated request finds it without the user id in any key;
 * - the open list: pk `T#_system#ERASURES`, sk `E#<tenant>#<erasureId>`, one item per job that has
 *   not completed, for the sweep (a reserved tenant no API key can carry).
 * A completed job and its marker expire with the tenant's history retention.
 */
const jobKey = (tenantId: string, erasureId: string) => ({ pk: tenantPk(tenantId), sk: `E#${erasureId}` });
const markerKey = (tenantId: string, userId: string) => ({
  pk: tenantPk(tenantId),
  sk: `EU#${createHash('sha256').update(`${tenantId}\u0000${userId}`).digest('hex')}`,
});
const OPEN_PK = 'T#_system#ERASURES';
const openKey = (tenantId: string, erasureId: string) => ({ pk: OPEN_PK, sk: `E#${tenantId}#${erasureId}` });

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

function jobOf(item: Record<string, unknown>): ErasureJob {
  return {
    tenantId: String(item.tenantId),
    erasureId: String(item.erasureId),
    userId: String(item.userId),
    status: item.status as ErasureJob['status'],
    requestedAt: String(item.requestedAt),
    startedAt: typeof item.startedAt === 'string' ? item.startedAt : null,
    completedAt: typeof item.completedAt === 'string' ? item.completedAt : null,
    step: Number(item.step ?? 0),
    erased: (item.erased ?? {}) as Record<string, number>,
    ...(typeof item.pseudonym === 'string' ? { pseudonym: item.pseudonym } : {}),
  };
}

export class DynamoErasureStore implements ErasureStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** Builds the request's audit entry, written in the same transaction as the job. */
    private readonly audit: Pick<DynamoAuditLog, 'prepare'>,
  ) {}

  async get(tenantId: string, erasureId: string): Promise<ErasureJob | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: jobKey(tenantId, erasureId), ConsistentRead: true }),
    );
    return res.Item ? jobOf(res.Item) : undefined;
  }

  async latestFor(tenantId: string, userId: string): Promise<string | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.table, Key: markerKey(tenantId, userId), ConsistentRead: true }),
    );
    return typeof res.Item?.erasureId === 'string' ? res.Item.erasureId : undefined;
  }

  async create(job: ErasureJob, previous: string | null, audit: AuditChange): Promise<boolean> {
    const { put: auditPut } = await this.audit.prepare(audit, new Date(job.requestedAt));
    const { pseudonym: _none, ...stored } = job;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...jobKey(job.tenantId, job.erasureId), ...stored },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...markerKey(job.tenantId, job.userId), erasureId: job.erasureId },
                ...(previous
                  ? {
                      ConditionExpression: 'attribute_not_exists(pk) OR erasureId = :previous',
                      ExpressionAttributeValues: { ':previous': previous },
                    }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...openKey(job.tenantId, job.erasureId),
                  tenantId: job.tenantId,
                  erasureId: job.erasureId,
                  requestedAt: job.requestedAt,
                },
              },
            },
            { Put: auditPut },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  async claim(
    tenantId: string,
    erasureId: string,
    lease: ErasureLease,
    nowMs: number,
    pseudonym: string,
    at: string,
  ): Promise<ErasureJob | undefined> {
    try {
      const res = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(tenantId, erasureId),
          UpdateExpression:
            'SET #status = :running, leaseToken = :token, leaseUntil = :until, startedAt = if_not_exists(startedAt, :at), pseudonym = if_not_exists(pseudonym, :pseudonym)',
          ConditionExpression:
            'attribute_exists(pk) AND #status <> :completed AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':completed': 'completed',
            ':token': lease.token,
            ':until': lease.untilMs,
            ':now': nowMs,
            ':at': at,
            ':pseudonym': pseudonym,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes ? jobOf(res.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async saveProgress(
    tenantId: string,
    erasureId: string,
    token: string,
    progress: { step: number; erased: Record<string, number>; untilMs: number },
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(tenantId, erasureId),
          UpdateExpression: 'SET step = :step, erased = :erased, leaseUntil = :until',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: {
            ':step': progress.step,
            ':erased': progress.erased,
            ':until': progress.untilMs,
            ':token': token,
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ErasureLeaseLostError(erasureId);
      throw error;
    }
  }

  async complete(
    job: ErasureJob,
    token: string,
    at: string,
    erased: Record<string, number>,
    expiresAt: number,
  ): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: jobKey(job.tenantId, job.erasureId),
                UpdateExpression:
                  'SET #status = :completed, completedAt = :at, erased = :erased, expiresAt = :expires REMOVE pseudonym, leaseToken, leaseUntil',
                ConditionExpression: 'leaseToken = :token',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':completed': 'completed',
                  ':at': at,
                  ':erased': erased,
                  ':expires': expiresAt,
                  ':token': token,
                },
              },
            },
            {
              // The marker keeps naming this erasure (no newer one can start while it is open).
              Update: {
                TableName: this.table,
                Key: markerKey(job.tenantId, job.userId),
                UpdateExpression: 'SET expiresAt = :expires',
                ConditionExpression: 'erasureId = :id',
                ExpressionAttributeValues: { ':expires': expiresAt, ':id': job.erasureId },
              },
            },
            { Delete: { TableName: this.table, Key: openKey(job.tenantId, job.erasureId) } },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ErasureLeaseLostError(job.erasureId);
      }
      throw error;
    }
  }

  async open(): Promise<OpenErasure[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': OPEN_PK },
    });
    return items.map((item) => ({
      tenantId: String(item.tenantId),
      erasureId: String(item.erasureId),
      requestedAt: String(item.requestedAt),
    }));
  }
}
