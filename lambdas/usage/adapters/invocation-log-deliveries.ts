import { gunzipSync } from 'node:zlib';
import { recordsFromJsonLines, recordsFromSubscription } from '@cost-management/core';
import type { CloudWatchLogsEvent, S3Event } from 'aws-lambda';
import type { InvocationLogDelivery, LogObjectReader } from '../ports/invocation-log-delivery.js';

/** A delivery larger than this once gunzipped is refused whole (Lambda memory is finite). */
export const MAX_DELIVERY_TEXT_BYTES = 256 * 1024 * 1024;

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

function gunzipText(bytes: Uint8Array): string {
  const plain = isGzip(bytes) ? gunzipSync(bytes, { maxOutputLength: MAX_DELIVERY_TEXT_BYTES }) : bytes;
  if (plain.length > MAX_DELIVERY_TEXT_BYTES) throw new Error('larger than a delivery may be');
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
}

export function isSubscriptionEvent(event: unknown): event is CloudWatchLogsEvent {
  const awslogs = (event as { awslogs?: { data?: unknown } } | null)?.awslogs;
  return typeof awslogs?.data === 'string';
}

export function isS3Event(event: unknown): event is S3Event {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:s3')
  );
}

/**
 * The records of one CloudWatch Logs subscription invocation: `awslogs.data` is the base64 of
 * the gzipped JSON payload, whose log events each carry one invocation log record as message. A
 * `CONTROL_MESSAGE` carries none. A payload that cannot be decoded is one unreadable piece.
 */
export function subscriptionDelivery(event: CloudWatchLogsEvent): InvocationLogDelivery {
  let payload: unknown;
  try {
    payload = JSON.parse(gunzipText(Buffer.from(event.awslogs.data, 'base64')));
  } catch {
    return {
      source: 'cloudwatch',
      account: null,
      records: [],
      unreadable: [{ position: 0, reason: 'unreadable-payload' }],
    };
  }
  const fields = (payload ?? {}) as { owner?: unknown; logGroup?: unknown };
  const split = recordsFromSubscription(payload);
  const owner = typeof fields.owner === 'string' && /^\d{12}$/.test(fields.owner) ? fields.owner : null;
  return {
    source: `cloudwatch:${typeof fields.logGroup === 'string' ? fields.logGroup : ''}`,
    account: split.control ? null : owner,
    records: split.records,
    unreadable: split.errors.map((e) => ({
      position: e.position,
      reason: e.message.startsWith('not JSON') ? 'not-json' : 'not-a-log-event',
    })),
  };
}

/** An S3 event's object key as S3 wrote it (the event URL-encodes it, spaces as `+`). */
export function decodeObjectKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The account of a Bedrock delivery key (`…/AWSLogs/<account>/BedrockModelInvocationLogs/…`), if it names one. */
export function accountOfKey(key: string): string | null {
  return /(?:^|\/)AWSLogs\/(\d{12})\//.exec(key)?.[1] ?? null;
}

/**
 * The records of the objects an S3 notification announces: each object (gzipped JSON lines, one
 * record a line) is read through the port. An object that is gone, too large or cannot be
 * decompressed is one unreadable piece; a read that fails otherwise (access, throttling) is thrown, so Lambda
 * retries the event.
 */
export async function s3Deliveries(
  event: S3Event,
  objects: LogObjectReader,
): Promise<InvocationLogDelivery[]> {
  const deliveries: InvocationLogDelivery[] = [];
  for (const record of event.Records) {
    if (!record.eventName.startsWith('ObjectCreated:')) continue;
    const bucket = record.s3.bucket.name;
    const key = decodeObjectKey(record.s3.object.key);
    const source = `s3://${bucket}/${key}`;
    const account = accountOfKey(key);
    const object = await objects.read(bucket, key);
    if (object.kind !== 'object') {
      const reason = object.kind === 'gone' ? 'object-gone' : 'object-too-large';
      deliveries.push({ source, account, records: [], unreadable: [{ position: 0, reason }] });
      continue;
    }
    let text: string;
    try {
      text = gunzipText(object.bytes);
    } catch {
      deliveries.push({
        source,
        account,
        records: [],
        unreadable: [{ position: 0, reason: 'unreadable-object' }],
      });
      continue;
    }
    const split = recordsFromJsonLines(text);
    deliveries.push({
      source,
      account,
      records: split.records,
      unreadable: split.errors.map((e) => ({ position: e.position, reason: 'not-json' })),
    });
  }
  return deliveries;
}
