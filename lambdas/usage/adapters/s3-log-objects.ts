import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LogObject, LogObjectReader } from '../ports/invocation-log-delivery.js';

/** Bedrock's log objects are small (minutes of calls); one larger than this is refused unread. */
export const MAX_LOG_OBJECT_BYTES = 64 * 1024 * 1024;

/** The objects of the log-delivery bucket, read whole. */
export class S3LogObjects implements LogObjectReader {
  constructor(private readonly client: S3Client) {}

  async read(bucket: string, key: string): Promise<LogObject> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const size = answer.ContentLength ?? 0;
      if (size > MAX_LOG_OBJECT_BYTES) {
        answer.Body?.transformToWebStream().cancel();
        return { kind: 'too-large', size };
      }
      return {
        kind: 'object',
        bytes: answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array(),
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return { kind: 'gone' };
      throw error;
    }
  }
}
