/**
 * Administers the API keys in the deployed secret (the API stack's output `ApiKeysSecretArn`).
 *
 *   npm run keys -- list   --secret ARN_OR_NAME [--region R]
 *   npm run keys -- add    --secret S --tenant T [--role admin|ingest|viewer] [--name LABEL]
 *   npm run keys -- revoke --secret S --key-id ID
 *   npm run keys -- rotate --secret S --key-id ID [--overlap-hours 24]
 *   npm run keys -- prune  --secret S
 *
 * `add` and `rotate` print the new key once; the secret keeps only its SHA-256 hash. `list` shows
 * key ids (the first 12 hex characters of the hash), never a key or a whole hash.
 *
 * Every edit is a checked write (`editKeySecret`): read the current version, write the edited map
 * as a new version labelled AWSPENDING (AWSCURRENT, which the authorizer reads, does not move), then
 * move AWSCURRENT to it from the version read. That move fails when AWSCURRENT left the version read
 * (another edit won meanwhile); the edit is then made again on a fresh read, a few times, and
 * another operator's edit is never overwritten.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CostManagementError } from '@cost-management/core';
import { keyIdOfHash } from '../lambdas/platform/api-keys.js';
import {
  addKey,
  type KeyMap,
  listKeys,
  newKeyEntry,
  parseKeyMap,
  pruneExpired,
  renderKeyMap,
  revokeKey,
  rotateKey,
} from '../lambdas/platform/key-secret.js';
import { runMain } from './run-main.js';

const CURRENT = 'AWSCURRENT';
/** The label of an edited version until it becomes current. */
const PENDING = 'AWSPENDING';
export const MAX_EDIT_ATTEMPTS = 5;

/** A new API key: 32 random bytes, URL-safe, with a prefix secret scanners can match. */
export const generateApiKey = (): string => `cmk_${randomBytes(32).toString('base64url')}`;

/** Every attempt of an edit lost its race with another edit of the secret. */
export class SecretChangedError extends CostManagementError {
  readonly code = 'CONFLICT';

  constructor(attempts: number) {
    super(
      `The key secret changed during each of ${attempts} attempts; nothing of this edit was applied. Run it again.`,
    );
  }
}

export interface EditOptions {
  /** Version ids of new versions (the idempotency token of each write). */
  token?: () => string;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

const stagesOf = async (client: SecretsManagerClient, secretId: string) =>
  (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};

const currentVersion = (stages: Record<string, string[]>) =>
  Object.entries(stages).find(([, labels]) => labels.includes(CURRENT))?.[0];

/** Takes the pending label off a version of ours that did not become current (best effort). */
async function dropPending(client: SecretsManagerClient, secretId: string, versionId: string): Promise<void> {
  try {
    const stages = await stagesOf(client, secretId);
    if (!stages[versionId]?.includes(PENDING)) return;
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: PENDING,
        RemoveFromVersionId: versionId,
      }),
    );
  } catch {
    // Another edit took the label meanwhile, or the call failed: the version stays, unused.
  }
}

/**
 * Applies `edit` to the key map of the secret's current version and makes the result current,
 * only if no other edit became current in between (see the file comment). `edit` may run more
 * than once (on each fresh read) and must not depend on anything but the map it is given.
 * Answers the edit's result and the new version's id.
 */
export async function editKeySecret<R>(
  client: SecretsManagerClient,
  secretId: string,
  edit: (map: KeyMap) => { map: KeyMap; result: R },
  options: EditOptions = {},
): Promise<{ result: R; versionId: string; attempts: number }> {
  const maxAttempts = options.maxAttempts ?? MAX_EDIT_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const read = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const readVersion = read.VersionId;
    if (!readVersion) throw new Error('The key secret answered no version id.');
    const { map, result } = edit(parseKeyMap(read.SecretString));
    const versionId = (options.token ?? randomUUID)();
    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: renderKeyMap(map),
        ClientRequestToken: versionId,
        VersionStages: [PENDING],
      }),
    );
    let moved = currentVersion(await stagesOf(client, secretId)) === readVersion;
    if (moved) {
      try {
        // Fails (InvalidParameterException) unless AWSCURRENT is still on the version read.
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: CURRENT,
            MoveToVersionId: versionId,
            RemoveFromVersionId: readVersion,
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name !== 'InvalidParameterException') throw error;
        if (currentVersion(await stagesOf(client, secretId)) === readVersion) throw error;
        moved = false;
      }
    }
    await dropPending(client, secretId, versionId);
    if (moved) return { result, versionId, attempts: attempt };
    if (attempt < maxAttempts) await sleep(100 * attempt + Math.floor(Math.random() * 100));
  }
  throw new SecretChangedError(maxAttempts);
}

const USAGE = `usage: npm run keys -- <command> --secret ARN_OR_NAME [--region REGION]
  list
  add    --tenant T [--role admin|ingest|viewer] [--name LABEL]
  revoke --key-id ID
  rotate --key-id ID [--overlap-hours 24]
  prune  (removes keys whose rotation overlap has ended)
--secret is the API stack's output ApiKeysSecretArn.`;

const OPTIONS: Record<string, readonly string[]> = {
  list: [],
  add: ['--tenant', '--role', '--name'],
  revoke: ['--key-id'],
  rotate: ['--key-id', '--overlap-hours'],
  prune: [],
};

export interface KeysDeps {
  client?: SecretsManagerClient;
  now?: () => Date;
  newKey?: () => string;
  out?: (line: string) => void;
  err?: (line: string) => void;
  edit?: EditOptions;
}

function parseArgs(args: string[]): { command: string; options: Map<string, string> } | string {
  const [command, ...rest] = args;
  if (!command || !(command in OPTIONS)) return `unknown command '${command ?? ''}'`;
  const allowed = new Set(['--secret', '--region', ...(OPTIONS[command] ?? [])]);
  const options = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i] as string;
    const value = rest[i + 1];
    if (!allowed.has(name)) return `unknown option '${name}' for ${command}`;
    if (value === undefined || value.startsWith('--')) return `${name} needs a value`;
    options.set(name, value);
  }
  if (!options.get('--secret')) return '--secret is required';
  if ((command === 'revoke' || command === 'rotate') && !options.has('--key-id'))
    return '--key-id is required';
  if (command === 'add' && !options.has('--tenant')) return '--tenant is required';
  return { command, options };
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
};

/** Runs one command; answers the exit code (2: bad usage or a refused edit). */
export async function runKeys(args: string[], deps: KeysDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    err(`${parsed}\n${USAGE}`);
    return 2;
  }
  const { command, options } = parsed;
  const secretId = options.get('--secret') as string;
  const region = options.get('--region');
  const client = deps.client ?? new SecretsManagerClient(region ? { region } : {});
  const now = deps.now ?? (() => new Date());
  const newKey = deps.newKey ?? generateApiKey;
  try {
    if (command === 'list') {
      const read = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      const rows = listKeys(parseKeyMap(read.SecretString), now().getTime());
      out(`${rows.length} key(s) in version ${read.VersionId ?? '?'}`);
      const header = ['KEY ID', 'TENANT', 'ROLE', 'NAME', 'CREATED', 'EXPIRES', 'STATUS'];
      for (const line of table([
        header,
        ...rows.map((r) => [r.keyId, r.tenant, r.role, r.name, r.createdAt, r.expiresAt, r.status]),
      ]))
        out(line);
      return 0;
    }
    const at = now();
    if (command === 'add') {
      const key = newKey();
      const entry = newKeyEntry(
        {
          tenant: options.get('--tenant') as string,
          ...(options.has('--role') ? { role: options.get('--role') } : {}),
          ...(options.has('--name') ? { name: options.get('--name') } : {}),
        },
        at,
      );
      const done = await editKeySecret(
        client,
        secretId,
        (map) => {
          const added = addKey(map, key, entry);
          return { map: added.map, result: added.hash };
        },
        deps.edit,
      );
      out(
        `Added key ${keyIdOfHash(done.result)} for tenant ${entry.tenant} (role ${entry.role}); secret version ${done.versionId}.`,
      );
      out('The key, shown only this once (the secret keeps its hash):');
      out(key);
      return 0;
    }
    if (command === 'revoke') {
      const done = await editKeySecret(
        client,
        secretId,
        (map) => {
          const revoked = revokeKey(map, options.get('--key-id') as string);
          return { map: revoked.map, result: revoked.hash };
        },
        deps.edit,
      );
      out(`Revoked key ${keyIdOfHash(done.result)}; secret version ${done.versionId}.`);
      out('It stops working within 10 minutes (authorizer refresh and API Gateway cache, 5 minutes each).');
      return 0;
    }
    if (command === 'rotate') {
      const hours = Number(options.get('--overlap-hours') ?? '24');
      const key = newKey();
      const done = await editKeySecret(
        client,
        secretId,
        (map) => {
          const rotated = rotateKey(map, options.get('--key-id') as string, key, hours, at);
          return { map: rotated.map, result: rotated };
        },
        deps.edit,
      );
      const { oldHash, hash, entry, oldExpiresAt } = done.result;
      out(
        `Rotated key ${keyIdOfHash(oldHash)} of tenant ${entry.tenant} (role ${entry.role}) to ${keyIdOfHash(hash)}; secret version ${done.versionId}.`,
      );
      out(`Both work until ${oldExpiresAt}; then the old one is refused (remove it with prune or revoke).`);
      out('The new key, shown only this once (the secret keeps its hash):');
      out(key);
      return 0;
    }
    const done = await editKeySecret(
      client,
      secretId,
      (map) => {
        const pruned = pruneExpired(map, at.getTime());
        return { map: pruned.map, result: pruned.removed };
      },
      deps.edit,
    );
    out(
      `Removed ${done.result.length} expired key(s)${done.result.length ? `: ${done.result.map(keyIdOfHash).join(', ')}` : ''}; secret version ${done.versionId}.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CostManagementError && !(error instanceof SecretChangedError)) {
      const details = (error as { details?: { path: string; message: string }[] }).details ?? [];
      err([error.message, ...details.map((d) => `  ${d.path}: ${d.message}`)].join('\n'));
      return 2;
    }
    throw error;
  }
}

runMain(import.meta.url, (args) => runKeys(args));
