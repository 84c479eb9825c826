import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { SesEmailSender } from '../lambdas/alerting/adapters/aws-senders.js';
import { LOCAL_CHANNELS } from '../lambdas/alerting/ports/senders.js';
import { addSummary, emptySweepSummary, type SweepSummary } from '../lambdas/alerting/use-cases/sweep.js';
import {
  BREACH_NOTICE_REQUESTED,
  ERASURE_REQUESTED,
  REPRICING_REQUESTED,
  SWEEP_SHARD_REQUESTED,
  THRESHOLD_BACKFILL_REQUESTED,
  THRESHOLD_BREACHED,
} from '../lambdas/platform/events/event-publisher.js';
import { installLocalEventBus } from '../lambdas/platform/events/local-event-bus.js';
import { installLocalAdapters } from '../lambdas/platform/local-adapters.js';
import { logger } from '../lambdas/platform/logger.js';
import type { LocalRoute } from './http-server.js';
import { LocalEventBus } from './local-event-bus.js';
import { FileDeadLetterSink, FileSmsSender, FileTopicPublisher, JsonLinesFile } from './local-sinks.js';

export interface AlertingRuntimeOptions {
  /** Port of the SES emulator and its inbox page (default `SES_PORT` or 8005; 0 picks a free one). */
  sesPort?: number;
  /** Where the SMS log and the dead-letter file go; `null` or absent: a temporary directory. */
  dataDir?: string | null;
  /** Seconds between sweeps (default `SWEEP_INTERVAL_SECONDS` or 900); 0 disables the timer. */
  sweepIntervalSeconds?: number;
}

export interface AlertingRuntime {
  /** The SES emulator: inbox page at `/`, JSON store at `/store`. */
  sesUrl: string;
  smsFile: string;
  deadLetterFile: string;
  bus: LocalEventBus;
  /** Routes outside the base path: `POST /_local/sweep`, `GET /_local/sms`. */
  routes: LocalRoute[];
  /**
   * Runs one sweep (the coordinator, then every shard's worker runs and continuations through the
   * bus) and waits for the notices it triggered; answers the coordinator's result with the workers'
   * summaries added up.
   */
  sweep(): Promise<unknown>;
  close(): Promise<void>;
}

type SesStart = (config: { host: string; port: number }) => Promise<Server>;

/**
 * Starts the emulator on `port`; when that port is taken (another runtime, a parallel test file),
 * on a free one, so the caller reads the actual URL from the result.
 */
async function startSesEmulator(port: number): Promise<Server> {
  const mod = (await import('aws-ses-v2-local')) as unknown as { default: SesStart | { default: SesStart } };
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const server = await start({ host: '127.0.0.1', port });
  if (server.listening) return server;
  server.close();
  return start({ host: '127.0.0.1', port: 0 });
}

const jsonResult = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * The alerting side of the local runtime: the SES emulator the real SESv2 client sends to, the SMS
 * log, the in-process event bus delivering `ThresholdBreached` and `BreachNoticeRequested` to the
 * notifier handler, `SweepShardRequested` to the sweep worker handler and `ErasureRequested` to the
 * erasure handler, and the sweep on a timer and on demand. Sets the
 * environment the handlers read and installs the local channels (emulator inbox, SMS log,
 * dead-letter file) in place of SES, SNS and SQS, so call it before the handlers are loaded.
 */
export async function startAlertingRuntime(options: AlertingRuntimeOptions = {}): Promise<AlertingRuntime> {
  const ses = await startSesEmulator(options.sesPort ?? Number(process.env.SES_PORT ?? 8005));
  const sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  const dir = options.dataDir ?? join(tmpdir(), `cost-management-${process.pid}-${Date.now()}`);
  const smsFile = join(dir, 'sms.log');
  const deadLetterFile = join(dir, 'dead-letter.log');
  const senderEmail = process.env.SENDER_EMAIL ?? 'alerts@cost-management.local';
  Object.assign(process.env, {
    SENDER_EMAIL: senderEmail,
    ALLOW_HTTP_WEBHOOKS: 'true',
    NOTIFY_BACKOFF_MS: process.env.NOTIFY_BACKOFF_MS ?? '200',
  });
  const sms = new JsonLinesFile(smsFile);
  const sesClient = new SESv2Client({
    maxAttempts: 1,
    endpoint: sesUrl,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // In place of SES, SNS and SQS for the notifier and the sweep loaded below.
  installLocalAdapters(LOCAL_CHANNELS, {
    email: new SesEmailSender(sesClient, senderEmail),
    sms: new FileSmsSender(sms),
    emergencyTopic: new FileTopicPublisher(sms),
    deadLetter: new FileDeadLetterSink(new JsonLinesFile(deadLetterFile)),
  });
  const bus = new LocalEventBus();
  installLocalEventBus(bus);
  const notifier = (await import(
    '../lambdas/functions/notifier-handler.js'
  )) as typeof import('../lambdas/functions/notifier-handler.js');
  bus.subscribe(THRESHOLD_BREACHED, (event) =>
    notifier.handler(event as unknown as Parameters<typeof notifier.handler>[0]),
  );
  // Resolutions, escalations and redeliveries the sweep workers ask for (the notifier's rule in AWS).
  bus.subscribe(BREACH_NOTICE_REQUESTED, (event) =>
    notifier.handler(event as unknown as Parameters<typeof notifier.handler>[0]),
  );
  const erasure = (await import(
    '../lambdas/functions/erasure-handler.js'
  )) as typeof import('../lambdas/functions/erasure-handler.js');
  bus.subscribe(ERASURE_REQUESTED, (event) =>
    erasure.handler(event as unknown as Parameters<typeof erasure.handler>[0]),
  );
  // The background repricing of large unpriced backlogs (an EventBridge rule in AWS).
  const repricer = (await import(
    '../lambdas/functions/repricer-handler.js'
  )) as typeof import('../lambdas/functions/repricer-handler.js');
  bus.subscribe(REPRICING_REQUESTED, (event) =>
    repricer.handler(event as unknown as Parameters<typeof repricer.handler>[0]),
  );
  // The period-to-date of a threshold in another zone than UTC, off the request path.
  const thresholdBackfill = (await import(
    '../lambdas/functions/threshold-backfill-handler.js'
  )) as typeof import('../lambdas/functions/threshold-backfill-handler.js');
  bus.subscribe(THRESHOLD_BACKFILL_REQUESTED, (event) =>
    thresholdBackfill.handler(event as unknown as Parameters<typeof thresholdBackfill.handler>[0]),
  );
  const sweepModule = (await import(
    '../lambdas/functions/sweep-handler.js'
  )) as typeof import('../lambdas/functions/sweep-handler.js');
  // The sweep's workers, one run per SweepShardRequested (the coordinator's and continuations);
  // the runs of the sweep in progress are added up for its answer.
  const sweepWorker = (await import(
    '../lambdas/functions/sweep-worker-handler.js'
  )) as typeof import('../lambdas/functions/sweep-worker-handler.js');
  let workerRuns: { summary: SweepSummary; continued: boolean }[] = [];
  bus.subscribe(SWEEP_SHARD_REQUESTED, async (event) => {
    const run = await sweepWorker.handler(event as unknown as Parameters<typeof sweepWorker.handler>[0]);
    workerRuns.push(run);
    return run;
  });
  // One sweep at a time (as the 15-minute schedule gives in AWS): a timer tick and `POST /_local/sweep`
  // at once would otherwise both redeliver or escalate the same breach.
  let queue: Promise<unknown> = Promise.resolve();
  const sweep = (): Promise<unknown> => {
    const run = queue.then(async () => {
      workerRuns = [];
      const started = await sweepModule.handler({});
      // Every shard's runs (continuations too) and the notices they asked for.
      await bus.idle();
      const runs = workerRuns;
      const total = runs.reduce((sum, r) => addSummary(sum, r.summary), emptySweepSummary(new Date()));
      return {
        ...started,
        ...total,
        workerRuns: runs.length,
        continuations: runs.filter((r) => r.continued).length,
      };
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const interval = options.sweepIntervalSeconds ?? Number(process.env.SWEEP_INTERVAL_SECONDS ?? 900);
  const timer =
    interval > 0
      ? setInterval(() => {
          void sweep().catch((error: unknown) => logger.error('sweep failed', { error: error as Error }));
        }, interval * 1000)
      : undefined;
  timer?.unref();
  const routes: LocalRoute[] = [
    {
      method: 'POST',
      template: '/_local/sweep',
      auth: false,
      handler: async () => jsonResult(200, await sweep()),
    },
    {
      method: 'GET',
      template: '/_local/sms',
      auth: false,
      handler: async () => jsonResult(200, { items: await sms.read() }),
    },
  ];
  return {
    sesUrl,
    smsFile,
    deadLetterFile,
    bus,
    routes,
    sweep,
    close: async () => {
      if (timer) clearInterval(timer);
      await bus.idle();
      installLocalEventBus(undefined);
      installLocalAdapters(LOCAL_CHANNELS, undefined);
      await new Promise<void>((resolve) => {
        ses.close(() => resolve());
        ses.closeAllConnections();
      });
    },
  };
}
