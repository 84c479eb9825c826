/**
 * Replays what waits in one of the service's dead-letter queues (docs/RUNBOOKS.md):
 *
 *   npm run dlq:replay -- --queue <queue-url> --function <function-name>
 *                         [--breaches-table <table>] [--max 100] [--dry-run] [--region <region>]
 *
 * Every event- or schedule-triggered function has its own queue (stack output
 * `<Function>DeadLetterQueueUrl`, function name in `<Function>FunctionName`). A message is one of:
 * - an **event** the function failed on after its retries (Lambda's asynchronous-invocation DLQ or
 *   EventBridge's target DLQ: the body is the event) → invoked again, asynchronously, on
 *   `--function`;
 * - a **notice** the notifier gave up on (`{kind, tenantId, breachId, channel, …}`) → the channel
 *   is made due for one more round on the breach in `--breaches-table`; the next sweep sends it
 *   under the usual per-channel claim (at most once), and dead-letters it again if it fails again;
 * - a **scheduled run** that failed → dropped: the next run of the schedule does the same work;
 * - anything unreadable → kept.
 * A message is deleted only after its replay was accepted; what could not be replayed stays in the
 * queue (visible again after two minutes) and the exit code is 1. `--dry-run` only says what it
 * would do.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BreachStore } from '../lambdas/alerting/ports/alerting-store.js';
import { noticeLetterOf, reopenNotice } from '../lambdas/alerting/use-cases/replay-notice.js';
import { breachStore } from '../lambdas/alerting/wiring.js';
import { runMain } from './run-main.js';

export interface ReplayOptions {
  queueUrl: string;
  functionName?: string;
  breachesTable?: string;
  max: number;
  dryRun: boolean;
}

export interface ReplayClients {
  sqs: SQSClient;
  lambda: LambdaClient;
  breaches?: Pick<BreachStore, 'get' | 'reopenChannel' | 'reopenEscalation'>;
  now?: () => Date;
  print?: (line: string) => void;
}

export interface ReplaySummary {
  /** Events invoked again on the function. */
  replayed: number;
  /** Notices made due for one more round. */
  reopened: number;
  /** Notices with nothing left to send, scheduled runs, letters of breaches that are gone: deleted. */
  dropped: number;
  /** Left in the queue: unreadable, or the replay failed. */
  kept: number;
}

type Handled = { outcome: 'replayed' | 'reopened' | 'dropped' | 'kept'; detail: string };

/** Visibility of a received message while it is replayed; a kept message is visible again after it. */
const VISIBILITY_SECONDS = 120;

function parse(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
}

const isScheduledRun = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  (event as Record<string, unknown>).source === 'aws.events' &&
  (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event';

async function handle(message: Message, options: ReplayOptions, clients: ReplayClients): Promise<Handled> {
  const body = parse(message.Body);
  if (body === undefined || typeof body !== 'object' || body === null) {
    return { outcome: 'kept', detail: 'the body is not a JSON object' };
  }
  const letter = noticeLetterOf(body);
  if (letter) {
    if (!clients.breaches) return { outcome: 'kept', detail: 'a notice: pass --breaches-table to replay it' };
    const label = `${letter.kind} notice of ${letter.breachId} on ${letter.channel}`;
    if (options.dryRun) return { outcome: 'reopened', detail: `would reopen the ${label}` };
    const reopened = await reopenNotice(clients.breaches, letter, (clients.now ?? (() => new Date()))());
    return {
      outcome: reopened.outcome === 'reopened' ? 'reopened' : 'dropped',
      detail: `${label}: ${reopened.detail}`,
    };
  }
  if (isScheduledRun(body))
    return { outcome: 'dropped', detail: 'a scheduled run: the next run does its work' };
  if (!options.functionName) return { outcome: 'kept', detail: 'an event: pass --function to replay it' };
  const detailType = (body as Record<string, unknown>)['detail-type'];
  const label = typeof detailType === 'string' ? `${detailType} event` : 'event';
  if (options.dryRun)
    return { outcome: 'replayed', detail: `would invoke ${options.functionName} with the ${label}` };
  const answer = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: options.functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(message.Body ?? ''),
    }),
  );
  if (answer.StatusCode !== 202) {
    return { outcome: 'kept', detail: `Lambda answered ${answer.StatusCode ?? 'nothing'} to the ${label}` };
  }
  return { outcome: 'replayed', detail: `${label} invoked again on ${options.functionName}` };
}

/** Receives up to `max` messages and replays each; deletes a message once its replay was accepted. */
export async function replayDeadLetters(
  options: ReplayOptions,
  clients: ReplayClients,
): Promise<ReplaySummary> {
  const print = clients.print ?? ((line: string) => console.log(line));
  const summary: ReplaySummary = { replayed: 0, reopened: 0, dropped: 0, kept: 0 };
  const seen = new Set<string>();
  while (seen.size < options.max) {
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - seen.size),
        WaitTimeSeconds: 1,
        // A dry run hides nothing: each message is counted once by its id.
        VisibilityTimeout: options.dryRun ? 0 : VISIBILITY_SECONDS,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = (received.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId as string);
      let handled: Handled;
      try {
        handled = await handle(message, options, clients);
      } catch (error) {
        handled = { outcome: 'kept', detail: `replay failed: ${(error as Error).message}` };
      }
      const cause = message.MessageAttributes?.ErrorMessage?.StringValue;
      print(
        `${handled.outcome.padEnd(8)} ${message.MessageId}: ${handled.detail}${cause ? ` (failed with: ${cause.slice(0, 120)})` : ''}`,
      );
      summary[handled.outcome]++;
      if (handled.outcome !== 'kept' && !options.dryRun) {
        await clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  }
  return summary;
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

const USAGE =
  'usage: npm run dlq:replay -- --queue <queue-url> --function <function-name> [--breaches-table <table>] [--max 100] [--dry-run] [--region <region>]';

export async function main(args: string[], clients?: Partial<ReplayClients>): Promise<number> {
  const queueUrl = argValue(args, '--queue');
  const max = Number(argValue(args, '--max') ?? 100);
  if (!queueUrl || !Number.isInteger(max) || max < 1) {
    console.error(USAGE);
    return 2;
  }
  const region = argValue(args, '--region');
  const functionName = argValue(args, '--function');
  const breachesTable = argValue(args, '--breaches-table');
  const options: ReplayOptions = {
    queueUrl,
    max,
    dryRun: args.includes('--dry-run'),
    ...(functionName ? { functionName } : {}),
    ...(breachesTable ? { breachesTable } : {}),
  };
  const config = region ? { region } : {};
  const summary = await replayDeadLetters(options, {
    sqs: clients?.sqs ?? new SQSClient(config),
    lambda: clients?.lambda ?? new LambdaClient(config),
    ...(breachesTable ? { breaches: breachStore({ THRESHOLD_BREACHES_TABLE: breachesTable }) } : {}),
    ...(clients?.now ? { now: clients.now } : {}),
    ...(clients?.print ? { print: clients.print } : {}),
  });
  (clients?.print ?? console.log)(
    `${options.dryRun ? 'dry run: ' : ''}${summary.replayed} replayed, ${summary.reopened} notices reopened, ${summary.dropped} dropped, ${summary.kept} kept`,
  );
  return summary.kept === 0 ? 0 : 1;
}

runMain(import.meta.url, main);
