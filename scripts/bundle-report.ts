/**
 * `npx tsx scripts/bundle-report.ts [cdk.out]`: after `npx cdk synth -o <dir>`, prints each
 * Lambda bundle's minified size and its module-init time (median of fresh Node processes) as a
 * ratio against a bundle, built the same way, that imports only the DynamoDB document client.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const out = resolve(process.argv[2] ?? 'cdk.out');
const RUNS = Number(process.env.BUNDLE_RUNS ?? 9);
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

interface Fn {
  name: string;
  file: string;
  env: Record<string, string>;
}

const functions: Fn[] = [];
for (const template of readdirSync(out).filter((f) => f.endsWith('.template.json'))) {
  const resources = JSON.parse(readFileSync(join(out, template), 'utf8')).Resources as Record<
    string,
    {
      Type: string;
      Properties: { Code?: { S3Key?: unknown }; Environment?: { Variables?: Record<string, unknown> } };
    }
  >;
  for (const resource of Object.values(resources)) {
    const key = resource.Properties?.Code?.S3Key;
    const vars = resource.Properties?.Environment?.Variables ?? {};
    if (
      resource.Type !== 'AWS::Lambda::Function' ||
      typeof key !== 'string' ||
      !('POWERTOOLS_SERVICE_NAME' in vars)
    )
      continue;
    const file = join(out, `asset.${key.split('.')[0]}`, 'index.mjs');
    if (!existsSync(file)) continue;
    // CloudFormation references become placeholders: init only needs the variables to be present.
    const env = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [
        k,
        typeof v === 'string'
          ? v
          : k.endsWith('_URL')
            ? 'https://example.com/q'
            : k.endsWith('_ORIGIN')
              ? 'https://example.com'
              : `placeholder-${k.toLowerCase()}`,
      ]),
    );
    // The source map names the handler folder the bundle was built from.
    const name =
      /lambdas\/functions\/([a-z-]+)-handler\.ts/.exec(readFileSync(`${file}.map`, 'utf8'))?.[1] ?? template;
    functions.push({ name, file, env });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bundle-baseline-'));
writeFileSync(
  join(dir, 'entry.mjs'),
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nexport const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));\nexport const handler = async () => ({ statusCode: 200 });\n",
);
buildSync({
  entryPoints: [join(dir, 'entry.mjs')],
  outfile: join(dir, 'index.mjs'),
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: BANNER },
  nodePaths: [resolve('node_modules')],
  logLevel: 'error',
});

function initMs(file: string, env: Record<string, string>): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
    const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
      encoding: 'utf8',
    });
    samples.push(Number(text));
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
}

const baselineFile = join(dir, 'index.mjs');
const baselineMs = initMs(baselineFile, {});
const kb = (file: string) => Math.round(statSync(file).size / 1024);
/** Limits of issue-grade targets: every function's bundle and its module init against the baseline. */
const MAX_KIB = 300;
const MAX_INIT_RATIO = 1.5;
const lines = [
  `Baseline (DynamoDB document client only): ${kb(baselineFile)} KiB, module init ${baselineMs.toFixed(1)} ms (median of ${RUNS} fresh processes).`,
  '',
  `| function | minified KiB | init ms (median) | init ratio vs baseline | target |`,
  '|---|---|---|---|---|',
];
for (const fn of functions.sort((a, b) => a.name.localeCompare(b.name))) {
  const ms = initMs(fn.file, fn.env);
  lines.push(
    `| ${fn.name} | ${kb(fn.file)} | ${ms.toFixed(1)} | **${(ms / baselineMs).toFixed(2)}** | <= ${MAX_KIB} KiB, <= ${MAX_INIT_RATIO} |`,
  );
}
console.log(lines.join('\n'));
if (process.env.BENCH_WRITE_DOCS === '1') {
  appendFileSync(
    'docs/BENCHMARKS.md',
    `\n## Lambda bundles\n\nProduced by \`npm run bench:bundles\` (offline \`cdk synth\`, then each bundle's minified size and module-init time in fresh Node processes).\n\n${lines.join('\n')}\n`,
  );
}
