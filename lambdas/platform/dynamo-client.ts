import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One DocumentClient per process. `DYNAMODB_ENDPOINT` points it at DynamoDB Local; the SDK
 * retries throttling and 5xx with backoff (`maxAttempts`) before a caller sees an error.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient({
    maxAttempts: 4,
    // The local runtime serves many requests from one process; a Lambda serves one at a time.
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: 256 },
      httpsAgent: { keepAlive: true, maxSockets: 256 },
    },
    ...(endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
          },
        }
      : {}),
    ...config,
  });
  return DynamoDBDocumentClient.from(client, {
    // A caller's map (tags, downgradeMap) may have a key named `constructor`; without
    // convertClassInstanceToMap the marshaller takes it for a class instance and throws.
    marshallOptions: {
      removeUndefinedValues: true,
      convertEmptyValues: false,
      convertClassInstanceToMap: true,
    },
  });
}

let shared: DynamoDBDocumentClient | undefined;

/** The process-wide client, created on first use (warm Lambdas reuse it). */
export function documentClient(): DynamoDBDocumentClient {
  shared ??= createDocumentClient();
  return shared;
}
