import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { BENCHMARKS } from '@cost-management/core';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { HANDLER_ROUTES, type HandlerRoute } from '../../lambdas/functions/routes.js';
import {
  bindingEnvVars,
  defineFunction,
  environmentSchema,
  loadEnvironment,
} from '../../lambdas/platform/function-spec.js';
import {
  type AttributeValue,
  benchmarkItems,
  benchmarkKey,
  toAttributeValue,
} from '../../lib/benchmark-seed.js';
import { readConfig } from '../../lib/config.js';
import { PROJECT_ROOT } from '../../lib/constructs/service-function.js';
import { pascalCase } from '../../lib/function-factory.js';
import {
  FUNCTIONS,
  functionsOf,
  type RegisteredFunction,
  registerFunction,
  registryProblems,
} from '../../lib/functions.js';
import { createServiceStacks } from '../../lib/service-app.js';
import { TEST_CONFIG } from './support/service.js';

const HEALTH_HANDLER = path.join(PROJECT_ROOT, 'lambdas', 'functions', 'platform-api-handler.ts');
const plain = (name: string) => defineFunction({ name, description: name, tables: {}, env: {} });
const routes: HandlerRoute[] = [
  { method: 'GET', path: '/a', fn: 'a' },
  { method: 'POST', path: '/a', fn: 'a' },
  { method: 'GET', path: '/b', fn: 'b' },
];
const authorizer = registerFunction(plain('auth'), { kind: 'authorizer' });

describe('registryProblems', () => {
  it('accepts the production registry', () => {
    expect(registryProblems(FUNCTIONS)).toEqual([]);
  });

  it('accepts a registry that serves each route and has one authorizer', () => {
    const functions = [
      authorizer,
      registerFunction(plain('a'), { kind: 'http' }),
      registerFunction(plain('b'), { kind: 'http' }),
      registerFunction(plain('sweep'), { kind: 'schedule' }),
    ];
    expect(registryProblems(functions, routes)).toEqual([]);
  });

  it('names every inconsistency', () => {
    const functions: RegisteredFunction[] = [
      registerFunction(plain('a'), { kind: 'http' }),
      registerFunction(plain('a'), { kind: 'http' }),
      registerFunction(plain('b'), { kind: 'schedule' }),
      registerFunction(plain('orphan'), { kind: 'http' }),
    ];
    expect(registryProblems(functions, [...routes, { method: 'GET', path: '/c', fn: 'c' }])).toEqual([
      "Function 'a' is registered twice.",
      "Function 'b' serves GET /b but is registered as schedule.",
      "Route GET /c needs function 'c' in lib/functions.ts.",
      "Function 'orphan' is registered as http but no route of the contract is served by it.",
      'Exactly one authorizer function is needed, found 0.',
    ]);
    expect(
      registryProblems(
        [authorizer, authorizer, registerFunction(plain('b'), { kind: 'http' })],
        [routes[2]!],
      ),
    ).toEqual([
      "Function 'auth' is registered twice.",
      'Exactly one authorizer function is needed, found 2.',
    ]);
  });

  it('holds no test functions: every entry runs its own lambdas/functions/<name>-handler.ts', () => {
    for (const entry of FUNCTIONS) {
      expect({ name: entry.spec.name, entry: entry.entry }).toEqual({
        name: entry.spec.name,
        entry: undefined,
      });
      expect(
        existsSync(path.join(PROJECT_ROOT, 'lambdas', 'functions', `${entry.spec.name}-handler.ts`)),
      ).toBe(true);
    }
    expect(functionsOf(FUNCTIONS, 'authorizer').map((f) => f.spec.name)).toEqual(['authorizer']);
  });

  it('types the registry environment from the spec', () => {
    const spec = defineFunction({
      name: 'typed',
      description: 'typed',
      tables: {},
      sendsEmail: true,
      env: { TIMEOUT_MS: z.string(), RETRIES: z._default(z.string(), '3'), SENDER_EMAIL: z.email() },
    });
    const entry = registerFunction(
      spec,
      { kind: 'event', detailType: 'X' },
      { environment: { TIMEOUT_MS: '5' } },
    );
    expect(entry.environment).toEqual({ TIMEOUT_MS: '5' });
    // @ts-expect-error TIMEOUT_MS is required by the spec
    registerFunction(spec, { kind: 'event', detailType: 'X' }, { environment: { RETRIES: '1' } });
    // @ts-expect-error SENDER_EMAIL is set by the binding, not by hand
    registerFunction(spec, { kind: 'http' }, { environment: { TIMEOUT_MS: '5', SENDER_EMAIL: 'a@b.c' } });
  });

  it('turns function names into construct ids', () => {
    expect(['track-usage-batch', 'health', 'auto-control_reactor'].map(pascalCase)).toEqual([
      'TrackUsageBatch',
      'Health',
      'AutoControlReactor',
    ]);
  });
});

describe('binding variables in the environment schema', () => {
  const spec = defineFunction({
    name: 'bound',
    description: 'bound',
    tables: { costThresholds: ['Query'] },
    publishes: ['alerts', 'emergency'],
    sendsEmail: true,
    putsEvents: true,
    readsApiKeys: true,
    sendsSms: true,
    env: {},
  });

  it('lists the variables each binding sets', () => {
    expect(bindingEnvVars(spec)).toEqual([
      'ALERTS_TOPIC_ARN',
      'EMERGENCY_TOPIC_ARN',
      'SENDER_EMAIL',
      'EVENT_BUS_NAME',
      'API_KEYS_SECRET_ARN',
    ]);
    expect(bindingEnvVars(plain('none'))).toEqual([]);
  });

  it('requires them at cold start', () => {
    expect(Object.keys(environmentSchema(spec).shape).sort()).toEqual(
      [
        'ALERTS_TOPIC_ARN',
        'API_KEYS_SECRET_ARN',
        'COST_THRESHOLDS_TABLE',
        'EMERGENCY_TOPIC_ARN',
        'EVENT_BUS_NAME',
        'SENDER_EMAIL',
      ].sort(),
    );
    expect(() => loadEnvironment(spec, { COST_THRESHOLDS_TABLE: 'dev_bedrock_cost_thresholds' })).toThrow(
      /ALERTS_TOPIC_ARN/,
    );
  });
});

describe('synthesis refuses a misconfigured function', () => {
  /** A small service (the authorizer, the platform and pricing routes) plus the function under test, not bundled. */
  const small = ['authorizer', 'platform-api', 'pricing-api'];
  const minimal = FUNCTIONS.filter((f) => small.includes(f.spec.name));
  const smallRoutes = HANDLER_ROUTES.filter((r) => small.includes(r.fn));
  const build = (extra: RegisteredFunction[]) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    createServiceStacks(app, { config: TEST_CONFIG, functions: [...minimal, ...extra], routes: smallRoutes });
    return app;
  };

  it('when a required variable of the spec is never set', () => {
    const spec = defineFunction({
      name: 'needs-env',
      description: 'x',
      tables: {},
      env: { FOO: z.string() },
    });
    const app = build([
      registerFunction(spec, { kind: 'event', detailType: 'X' }, { entry: HEALTH_HANDLER }),
    ]);
    expect(() => app.synth()).toThrow(
      /Function 'needs-env' never gets its required environment variable FOO/,
    );
  });

  it('accepts the same function once the registry provides the variable', () => {
    const spec = defineFunction({
      name: 'needs-env',
      description: 'x',
      tables: {},
      env: { FOO: z.string() },
    });
    const entry = registerFunction(
      spec,
      { kind: 'event', detailType: 'X' },
      { entry: HEALTH_HANDLER, environment: { FOO: 'bar' } },
    );
    expect(() => build([entry]).synth()).not.toThrow();
  });

  it('when a function binds something its stack does not offer', () => {
    const spec = defineFunction({
      name: 'wants-keys',
      description: 'x',
      tables: {},
      readsApiKeys: true,
      env: {},
    });
    expect(() => build([registerFunction(spec, { kind: 'schedule' }, { entry: HEALTH_HANDLER })])).toThrow(
      "Function 'wants-keys' needs the API-key secret, which the operations stack does not provide.",
    );
  });

  it('when its handler file does not exist', () => {
    expect(() => build([registerFunction(plain('no-such-fn'), { kind: 'schedule' })])).toThrow(
      `Function 'no-such-fn' has no handler file ${path.join('lambdas', 'functions', 'no-such-fn-handler.ts')}.`,
    );
  });

  it('when the registry does not match the route table', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() =>
      createServiceStacks(app, {
        config: TEST_CONFIG,
        functions: minimal,
        routes: HANDLER_ROUTES.filter((r) => small.includes(r.fn) || r.path === '/check'),
      }),
    ).toThrow(/inconsistent:\nRoute POST \/check needs function 'control-api'/);
  });
});

describe('readConfig', () => {
  const node = (context: Record<string, unknown>) => new App({ context }).node;

  it('defaults the stage to dev and the table prefix to the stage', () => {
    expect(readConfig(node({ senderEmail: 'ops@example.org' }))).toEqual({
      stage: 'dev',
      senderEmail: 'ops@example.org',
      tablePrefix: 'dev',
    });
  });

  it('reads every value, and an empty table prefix means the bare seed names', () => {
    expect(
      readConfig(
        node({
          stage: 'prod',
          senderEmail: 'ops@acme-corp.io',
          alertPhone: '+4915112345678',
          alarmEmail: 'oncall@acme-corp.io',
          tablePrefix: '',
        }),
      ),
    ).toEqual({
      stage: 'prod',
      senderEmail: 'ops@acme-corp.io',
      alertPhone: '+4915112345678',
      alarmEmail: 'oncall@acme-corp.io',
      tablePrefix: '',
    });
  });

  it.each([
    [{}, /'senderEmail' is required/],
    [{ senderEmail: 'not-an-email' }, /'senderEmail' is 'not-an-email', expected an email address/],
    [{ senderEmail: 'a@b.co', stage: 'Prod' }, /'stage' is 'Prod'/],
    [{ senderEmail: 'a@b.co', alertPhone: '015112345678' }, /E\.164/],
    [{ senderEmail: 'a@b.co', alarmEmail: 'x' }, /'alarmEmail'/],
    [{ senderEmail: 'a@b.co', tablePrefix: 'bad prefix' }, /'tablePrefix'/],
    [{ senderEmail: 42 }, /'senderEmail' must be a string/],
  ])('rejects %j', (context, message) => {
    expect(() => readConfig(node(context))).toThrow(message);
  });
});

/** Reads a wire-format attribute back into plain data (the inverse of toAttributeValue). */
function fromAttributeValue(value: AttributeValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return Number(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('L' in value) return value.L.map(fromAttributeValue);
  return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, fromAttributeValue(v)]));
}

describe('benchmark seed', () => {
  it('converts plain data to DynamoDB attribute values', () => {
    expect(toAttributeValue({ a: 'x', b: 12, c: [true, 1.5], d: { e: [] } })).toEqual({
      M: {
        a: { S: 'x' },
        b: { N: '12' },
        c: { L: [{ BOOL: true }, { N: '1.5' }] },
        d: { M: { e: { L: [] } } },
      },
    });
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, undefined, null, () => 1])('refuses %s', (value) => {
    expect(() => toAttributeValue(value)).toThrow(/Cannot store/);
  });

  it('writes one row per benchmark, keyed by industry and tier, with the benchmark under `benchmark`', () => {
    const items = benchmarkItems();
    expect(items).toHaveLength(BENCHMARKS.length);
    expect(new Set(items.map((i) => JSON.stringify([i.pk, i.sk]))).size).toBe(BENCHMARKS.length);
    expect(benchmarkKey({ industry: 'saas', tier: 'enterprise' })).toEqual({
      pk: 'T#_global#IND#saas',
      sk: 'TIER#enterprise',
    });
    BENCHMARKS.forEach((benchmark, i) => {
      const item = items[i]!;
      expect(item.pk).toEqual({ S: `T#_global#IND#${benchmark.industry}` });
      expect(item.sk).toEqual({ S: `TIER#${benchmark.tier}` });
      expect(fromAttributeValue(item.benchmark!)).toEqual(benchmark);
    });
  });

  it('keeps money as exact integer nano-USD', () => {
    const first = benchmarkItems()[0]!.benchmark as {
      M: { monthlyCostNano: { M: Record<string, { N: string }> } };
    };
    for (const { N } of Object.values(first.M.monthlyCostNano.M)) expect(N).toMatch(/^\d+$/);
  });
});
