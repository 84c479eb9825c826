/**
 * The published shape of `@cost-management/client`: packs the package as `npm pack` would for
 * the registry, installs the tarball into a scratch project outside the repository (nothing of
 * the workspace reachable), type-checks a consumer against the installed declarations with
 * NodeNext resolution, then runs the compiled consumer — ESM and CommonJS — against the local
 * runtime.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { startTestRuntime, TENANT_A } from '../support/runtime.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const TYPES_NODE_VERSION = (require('@types/node/package.json') as { version: string }).version;

/** The environment without npm's own variables: the scratch project must not see the workspace. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, ...extra };
}

const CONSUMER = `
import {
  CostApiError,
  createCostClient,
  type TrackUsageResult,
  withCostTracking,
} from '@cost-management/client';

const costs = createCostClient({ baseUrl: process.env.COST_API_URL!, apiKey: process.env.COST_API_KEY! });

// The declarations are real types, not \`any\`: a wrong field type must not compile.
// @ts-expect-error inputTokens is a number
void (() => costs.trackUsage({ userId: 'x', modelId: 'm', inputTokens: 'many', outputTokens: 0 }));

const recorded: TrackUsageResult = await costs.trackUsage({
  requestId: 'pack-1',
  userId: 'packed',
  modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  inputTokens: 1000,
  outputTokens: 500,
});

// The wrapper without the (optional) Bedrock SDK installed: it recognises commands by name.
class ConverseCommand {
  constructor(readonly input: { modelId: string; requestMetadata?: Record<string, string> }) {}
}
const sent: ConverseCommand[] = [];
const bedrock = withCostTracking(
  {
    async send(command: ConverseCommand) {
      sent.push(command);
      return { usage: { inputTokens: 2000, outputTokens: 0, totalTokens: 2000 }, metrics: { latencyMs: 5 } };
    },
  },
  { costClient: costs, userId: 'packed' },
);
await bedrock.send(new ConverseCommand({ modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' }));
const flushed = await bedrock.flush();
const analytics = await costs.analytics('packed');

let unknownKey = '';
try {
  await createCostClient({ baseUrl: process.env.COST_API_URL!, apiKey: 'wrong-key', retries: 0 }).models();
} catch (error) {
  if (error instanceof CostApiError) unknownKey = error.code;
}

console.log(
  JSON.stringify({
    costUsd: recorded.costUsd,
    flushed,
    metadata: sent[0]?.input.requestMetadata ?? null,
    totals: analytics.totals,
    unknownKey,
  }),
);
`;

const CJS_CONSUMER = `
const client = require('@cost-management/client');
console.log(JSON.stringify({ createCostClient: typeof client.createCostClient, withCostTracking: typeof client.withCostTracking }));
`;

let scratch: string;
let tarball: string;
let packedFiles: string[];
let runtime: LocalRuntime;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'client-package-'));
  const packed = await run(
    'npm',
    ['pack', '-w', '@cost-management/client', '--json', '--pack-destination', scratch],
    {
      cwd: ROOT,
      env: cleanEnv(),
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(scratch, info[0]!.filename);
  packedFiles = info[0]!.files.map((f) => f.path);

  const project = join(scratch, 'consumer');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'out',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(project, 'src', 'consumer.ts'), CONSUMER);
  writeFileSync(join(project, 'consumer.cjs'), CJS_CONSUMER);
  // Only the tarball and registry packages: zod (its dependency) and @types/node for the check.
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      tarball,
      `@types/node@${TYPES_NODE_VERSION}`,
    ],
    { cwd: project, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
  runtime = await startTestRuntime();
}, 300_000);

afterAll(async () => {
  await runtime?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed client', () => {
  it('holds the build, its declarations and the README, and no source or workspace dependency', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/index.js',
        'dist/index.cjs',
        'dist/types/client/src/index.d.ts',
        'dist/types/contract/src/index.d.ts',
      ]),
    );
    expect(packedFiles.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    const installed = JSON.parse(
      readFileSync(
        join(scratch, 'consumer', 'node_modules', '@cost-management', 'client', 'package.json'),
        'utf8',
      ),
    ) as { dependencies?: Record<string, string>; private?: boolean };
    expect(Object.keys(installed.dependencies ?? {})).toEqual(['zod']);
    expect(installed.private).toBeUndefined();
  });

  it('type-checks a consumer with the installed declarations and runs it against the local runtime', async () => {
    const project = join(scratch, 'consumer');
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, env: cleanEnv() });
    const { stdout } = await run(process.execPath, ['out/consumer.js'], {
      cwd: project,
      env: cleanEnv({ COST_API_URL: runtime.apiBase, COST_API_KEY: TENANT_A.key }),
    });
    const result = JSON.parse(stdout.trim()) as {
      costUsd: number;
      flushed: { dropped: number; pending: number };
      metadata: Record<string, string> | null;
      totals: { costUsd: number; requests: number };
      unknownKey: string;
    };
    expect(result.costUsd).toBe(0.0105);
    // The report went out in the background; flush finds nothing left to send.
    expect(result.flushed).toMatchObject({ dropped: 0, pending: 0 });
    expect(result.metadata).toEqual({ costRequestId: expect.any(String), userId: 'packed' });
    // 1,000 in + 500 out, then 2,000 in through the wrapper: USD 0.0105 + 0.006.
    expect(result.totals).toMatchObject({ requests: 2, costUsd: 0.0165 });
    expect(result.unknownKey).toBe('UNAUTHORIZED');
  });

  it('loads through require as well', async () => {
    const { stdout } = await run(process.execPath, ['consumer.cjs'], {
      cwd: join(scratch, 'consumer'),
      env: cleanEnv(),
    });
    expect(JSON.parse(stdout)).toEqual({ createCostClient: 'function', withCostTracking: 'function' });
  });
});
