/**
 * Wraps a Bedrock Runtime client with cost tracking, makes a few calls and prints the costs
 * `GET /analytics` reports. Bedrock's answers are mocked with aws-sdk-client-mock, so no AWS
 * account is needed; the cost-management API is the local runtime:
 *
 *   npm start                              # in one terminal
 *   npx tsx examples/bedrock-wrapper.ts    # in another
 *
 * COST_API_URL (default http://localhost:3000/api/cost-management) and COST_API_KEY (default
 * local-dev-key) point it elsewhere; when nothing answers there (or COST_API_URL is empty), the
 * example starts its own local runtime, in memory.
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { CostControlDeniedError, createCostClient, withCostTracking } from '@cost-management/client';
import { mockClient } from 'aws-sdk-client-mock';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime.js';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

// --- The cost-management API: the one at COST_API_URL, or a local runtime started here. --------
let runtime: LocalRuntime | undefined;
let apiBase = process.env.COST_API_URL ?? 'http://localhost:3000/api/cost-management';
let apiKey = process.env.COST_API_KEY ?? 'local-dev-key';
const reachable =
  apiBase !== '' &&
  (await createCostClient({ baseUrl: apiBase, apiKey, retries: 0, timeoutMs: 2000 })
    .health()
    .then(() => true)
    .catch(() => false));
if (!reachable) {
  console.log('No cost-management API answered; starting a local runtime in memory…');
  runtime = await startLocalRuntime({
    port: 0,
    dataDir: null,
    apiKeys: 'example:local-dev-key',
    alerting: { sesPort: 0, sweepIntervalSeconds: 0 },
  });
  apiBase = runtime.apiBase;
  apiKey = 'local-dev-key';
}
console.log(`Cost-management API: ${apiBase}\n`);
const costs = createCostClient({ baseUrl: apiBase, apiKey });

// --- Bedrock Runtime, mocked: every answer reports the same usage. -----------------------------
const bedrockMock = mockClient(BedrockRuntimeClient);
bedrockMock.on(ConverseCommand).callsFake((input: ConverseCommandInput) => ({
  output: { message: { role: 'assistant', content: [{ text: `(answer of ${input.modelId})` }] } },
  usage: { inputTokens: 1000, outputTokens: 500, totalTokens: 1500 },
  metrics: { latencyMs: 420 },
}));
async function* streamed(): AsyncGenerator<ConverseStreamOutput> {
  yield { messageStart: { role: 'assistant' } };
  for (const text of ['Streamed ', 'answer.'])
    yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text } } };
  yield { messageStop: { stopReason: 'end_turn' } };
  yield {
    metadata: {
      usage: { inputTokens: 2000, outputTokens: 100, totalTokens: 2100 },
      metrics: { latencyMs: 300 },
    },
  };
}
bedrockMock.on(ConverseStreamCommand).callsFake(() => ({ stream: streamed() }));

const run = Date.now().toString(36); // fresh user ids on every run
const users = { alice: `alice-${run}`, mallory: `mallory-${run}`, dora: `dora-${run}` };
const ask = (modelId: string) => ({
  modelId,
  messages: [{ role: 'user' as const, content: [{ text: 'Review this diff, please.' }] }],
});
const tracked = (userId: string) =>
  withCostTracking(new BedrockRuntimeClient({ region: 'us-east-1' }), {
    costClient: costs,
    userId,
    operation: 'code-review',
    onError: (error, { stage }) => console.warn(`  tracking (${stage}): ${(error as Error).message}`),
  });

// --- 1. Plain tracking: three Converse calls and one stream. -----------------------------------
const alice = tracked(users.alice);
for (let i = 0; i < 3; i++) {
  const res = await alice.send(new ConverseCommand(ask(SONNET)));
  console.log(`${users.alice}: ${res.output?.message?.content?.[0]?.text}`);
}
const stream = await alice.send(new ConverseStreamCommand(ask(HAIKU)));
let text = '';
for await (const event of stream.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? '';
console.log(`${users.alice}: ${text} (stream)`);

// --- 2. A user past 150 % of the budget is denied before Bedrock is called. --------------------
// USD 0.018 of spend against a USD 0.01 budget: the default rules put the user at `shutdown`.
await costs.trackUsage({ userId: users.mallory, modelId: SONNET, inputTokens: 6000, outputTokens: 0 });
await costs.initAutoControl({ userId: users.mallory, budgetUsd: 0.01 });
try {
  await tracked(users.mallory).send(new ConverseCommand(ask(SONNET)));
} catch (error) {
  if (!(error instanceof CostControlDeniedError)) throw error;
  console.log(`${users.mallory}: denied (${error.level}): ${error.message}`);
}

// --- 3. A user at 105 % (`moderate`) is moved to the cheaper model. -----------------------------
await costs.trackUsage({ userId: users.dora, modelId: SONNET, inputTokens: 3500, outputTokens: 0 });
await costs.initAutoControl({ userId: users.dora, budgetUsd: 0.01 });
const dora = tracked(users.dora);
const downgraded = await dora.send(new ConverseCommand(ask(SONNET)));
console.log(`${users.dora}: asked for ${SONNET}, got ${downgraded.output?.message?.content?.[0]?.text}`);

// --- What the service counted. --------------------------------------------------------------
for (const client of [alice, dora]) await client.flush();
console.log('\nGET /analytics');
for (const userId of Object.values(users)) {
  const { totals, byModel } = await costs.analytics(userId);
  console.log(`  ${userId}: ${totals.requests} requests, USD ${totals.costUsd}`);
  for (const line of byModel)
    console.log(`    ${line.modelId}: ${line.requests} requests, USD ${line.costUsd}`);
}

bedrockMock.restore();
await runtime?.close();
