/**
 * Port: what the deployed log delivery hands the capture — the records of one CloudWatch Logs
 * subscription batch or of one S3 object Bedrock wrote — and the reader of the S3 objects.
 */

/** The records of one delivery, already decoded, and the pieces that were no JSON record. */
export interface InvocationLogDelivery {
  /** Where the records came from, for log lines: `cloudwatch:<log group>` or `s3://<bucket>/<key>`. */
  source: string;
  /**
   * The account the delivery belongs to (the log group's owner, or the account in the S3 key),
   * when it names one: a record of another account is refused.
   */
  account: string | null;
  records: unknown[];
  /** Lines, log events or whole payloads that could not be read, by position and reason. */
  unreadable: { position: number; reason: string }[];
}

/** One object of the log-delivery bucket: its bytes, or why there are none to read. */
export type LogObject =
  | { kind: 'object'; bytes: Uint8Array }
  | { kind: 'gone' }
  | { kind: 'too-large'; size: number };

/** Reads one object of the log-delivery bucket. Throws when the read fails (access, throttling). */
export interface LogObjectReader {
  read(bucket: string, key: string): Promise<LogObject>;
}
