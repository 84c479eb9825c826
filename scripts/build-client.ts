/**
 * Builds the publishable `@cost-management/client` into packages/client/dist:
 * - `index.js` (ESM) and `index.cjs` (CommonJS), bundled by esbuild. The client imports only
 *   types from `@cost-management/contract`, so no workspace code is in the bundle; the Bedrock
 *   Runtime SDK is an optional peer and stays external.
 * - type declarations under `types/`: the client's own and the contract's (from whose zod
 *   schemas the request and response types are derived), with the contract import rewritten to
 *   a relative path, so the tarball type-checks without any workspace package (`zod` is a
 *   dependency for its types).
 * Run by `npm run build -w @cost-management/client` (and before `npm pack`).
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';

const PACKAGES = resolve(import.meta.dirname, '..', 'packages');
const CLIENT = join(PACKAGES, 'client');
const DIST = join(CLIENT, 'dist');
const TYPES = join(DIST, 'types');
const ENTRY = join(CLIENT, 'src', 'index.ts');
const CONTRACT_ENTRY = join(TYPES, 'contract', 'src', 'index.js');

async function bundle(): Promise<void> {
  const common = {
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'neutral' as const,
    target: 'es2022',
    sourcemap: true,
    external: ['@aws-sdk/client-bedrock-runtime', '@cost-management/contract', 'zod'],
    logLevel: 'warning' as const,
  };
  await build({ ...common, format: 'esm', outfile: join(DIST, 'index.js') });
  await build({ ...common, format: 'cjs', outfile: join(DIST, 'index.cjs') });
  for (const file of ['index.js', 'index.cjs']) {
    if (readFileSync(join(DIST, file), 'utf8').includes('@cost-management/')) {
      throw new Error(`dist/${file} imports a workspace package at run time`);
    }
  }
}

function declarations(): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [resolve(PACKAGES, '..', 'node_modules', '@types')],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: PACKAGES,
    outDir: TYPES,
    baseUrl: PACKAGES,
    paths: { '@cost-management/contract': ['contract/src/index.ts'] },
  };
  const program = ts.createProgram([ENTRY], options);
  const result = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length > 0) {
    const host = {
      getCanonicalFileName: (f: string) => f,
      getCurrentDirectory: () => PACKAGES,
      getNewLine: () => '\n',
    };
    throw new Error(ts.formatDiagnostics(problems, host));
  }
  for (const file of filesUnder(TYPES)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    let target = relative(dirname(file), CONTRACT_ENTRY).split('\\').join('/');
    if (!target.startsWith('.')) target = `./${target}`;
    const rewritten = text.replaceAll(`'@cost-management/contract'`, `'${target}'`);
    if (rewritten.includes('@cost-management/')) {
      throw new Error(`${relative(CLIENT, file)} still names a workspace package`);
    }
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

rmSync(DIST, { recursive: true, force: true });
await bundle();
declarations();
console.log(`built ${relative(PACKAGES, DIST)}`);
