import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

const stubOf = () => mockClient(SecretsManagerClient);
type Stub = ReturnType<typeof stubOf>;

const META = { $metadata: {} };
const invalid = (message: string) => new InvalidParameterException({ message, ...META });

/**
 * One secret in memory with Secrets Manager's version and staging-label rules, as documented:
 * - `PutSecretValue` creates the version `ClientRequestToken` (the same token and value again is a
 *   no-op, another value a ResourceExistsException); without `VersionStages` it becomes AWSCURRENT
 *   (the previous current becomes AWSPREVIOUS), with them it gets exactly those labels, each taken
 *   from the version that had it;
 * - `UpdateSecretVersionStage` moves a label to `MoveToVersionId`; when the label is attached to
 *   another version, `RemoveFromVersionId` must name that version, or it fails with
 *   InvalidParameterException; moving AWSCURRENT makes the version it left AWSPREVIOUS; without
 *   `MoveToVersionId` it removes the label from `RemoveFromVersionId`;
 * - `GetSecretValue` reads AWSCURRENT unless a version id or stage is given; `DescribeSecret`
 *   answers `VersionIdsToStages`.
 * `before(command, run)` runs `run` once before the next call of that command (a concurrent edit).
 */
export class FakeSecretsManager {
  readonly versions = new Map<string, { value: string; stages: Set<string> }>();
  readonly name = 'cost-management-api-keys';
  readonly arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cost-management-api-keys-AbCdEf';
  private readonly hooks = new Map<string, () => Promise<void>>();
  private readonly stub: Stub;

  constructor(initial: string) {
    this.versions.set(randomUUID(), { value: initial, stages: new Set(['AWSCURRENT']) });
    this.stub = stubOf();
    this.stub.on(GetSecretValueCommand).callsFake(async (input) => {
      await this.runHook('GetSecretValue');
      return this.get(input);
    });
    this.stub.on(PutSecretValueCommand).callsFake(async (input) => {
      await this.runHook('PutSecretValue');
      return this.put(input);
    });
    this.stub.on(DescribeSecretCommand).callsFake(async (input) => {
      await this.runHook('DescribeSecret');
      return this.describe(input);
    });
    this.stub.on(UpdateSecretVersionStageCommand).callsFake(async (input) => {
      await this.runHook('UpdateSecretVersionStage');
      return this.moveStage(input);
    });
  }

  /** Runs `run` once, before the next call of `command`. */
  before(
    command: 'GetSecretValue' | 'PutSecretValue' | 'DescribeSecret' | 'UpdateSecretVersionStage',
    run: () => Promise<unknown>,
  ): void {
    this.hooks.set(command, async () => void (await run()));
  }

  private async runHook(command: string): Promise<void> {
    const hook = this.hooks.get(command);
    this.hooks.delete(command);
    if (hook) await hook();
  }

  restore(): void {
    this.stub.restore();
  }

  calls(command: string): number {
    return this.stub.calls().filter((c) => c.args[0]?.constructor.name === command).length;
  }

  private check(secretId: string | undefined): void {
    if (secretId !== this.name && secretId !== this.arn) {
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        ...META,
      });
    }
  }

  private withStage(stage: string): string | undefined {
    return [...this.versions].find(([, v]) => v.stages.has(stage))?.[0];
  }

  /** The AWSCURRENT value. */
  current(): string {
    return this.versions.get(this.withStage('AWSCURRENT') as string)?.value as string;
  }

  get(input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
    this.check(input.SecretId);
    const id = input.VersionId ?? this.withStage(input.VersionStage ?? 'AWSCURRENT');
    const version = id ? this.versions.get(id) : undefined;
    if (!id || !version) throw new ResourceNotFoundException({ message: 'no such version', ...META });
    return {
      ...META,
      ARN: this.arn,
      Name: this.name,
      VersionId: id,
      SecretString: version.value,
      VersionStages: [...version.stages],
    };
  }

  put(input: {
    SecretId?: string;
    SecretString?: string;
    ClientRequestToken?: string;
    VersionStages?: string[];
  }) {
    this.check(input.SecretId);
    const id = input.ClientRequestToken ?? randomUUID();
    const existing = this.versions.get(id);
    if (existing) {
      if (existing.value !== input.SecretString) {
        throw new ResourceExistsException({
          message: 'A version with this token and another value exists',
          ...META,
        });
      }
      return { ...META, ARN: this.arn, Name: this.name, VersionId: id, VersionStages: [...existing.stages] };
    }
    const stages = input.VersionStages?.length ? input.VersionStages : ['AWSCURRENT'];
    this.versions.set(id, { value: input.SecretString ?? '', stages: new Set() });
    for (const stage of stages) this.attach(stage, id);
    return { ...META, ARN: this.arn, Name: this.name, VersionId: id, VersionStages: stages };
  }

  private attach(stage: string, id: string): void {
    const from = this.withStage(stage);
    if (from === id) return;
    if (from) this.versions.get(from)?.stages.delete(stage);
    this.versions.get(id)?.stages.add(stage);
    if (stage === 'AWSCURRENT' && from) {
      const previous = this.withStage('AWSPREVIOUS');
      if (previous) this.versions.get(previous)?.stages.delete('AWSPREVIOUS');
      this.versions.get(from)?.stages.add('AWSPREVIOUS');
    }
  }

  describe(input: { SecretId?: string }) {
    this.check(input.SecretId);
    return {
      ...META,
      ARN: this.arn,
      Name: this.name,
      VersionIdsToStages: Object.fromEntries(
        [...this.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]]),
      ),
    };
  }

  moveStage(input: {
    SecretId?: string;
    VersionStage?: string;
    MoveToVersionId?: string;
    RemoveFromVersionId?: string;
  }) {
    this.check(input.SecretId);
    const stage = input.VersionStage as string;
    const holder = this.withStage(stage);
    if (input.MoveToVersionId === undefined) {
      if (!input.RemoveFromVersionId || holder !== input.RemoveFromVersionId) {
        throw invalid(`The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}.`);
      }
      this.versions.get(holder)?.stages.delete(stage);
      return { ...META, ARN: this.arn, Name: this.name };
    }
    if (!this.versions.has(input.MoveToVersionId)) {
      throw new ResourceNotFoundException({ message: 'no such version', ...META });
    }
    if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
      throw invalid(
        `When you move staging label ${stage}, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label ${stage}.`,
      );
    }
    this.attach(stage, input.MoveToVersionId);
    return { ...META, ARN: this.arn, Name: this.name };
  }
}
