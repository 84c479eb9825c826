import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { physicalTableName, TABLES, type TableKey } from '../lambdas/platform/tables.js';
import { benchmarkItems } from './benchmark-seed.js';
import { ServiceTable } from './constructs/service-table.js';
import { pascalCase, type ServiceTables } from './function-factory.js';

export interface DataStackProps extends StackProps {
  /** Prefix of the physical table names; empty for the bare seed names. */
  tablePrefix: string;
}

/** BatchWriteItem takes at most 25 puts. */
const BATCH_SIZE = 25;

/**
 * The stateful stack: the thirteen tables, and the benchmark reference rows written into
 * `bedrock_benchmarks` on every deploy whose seed data changed.
 */
export class DataStack extends Stack {
  readonly tables: ServiceTables;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const tables = {} as Record<TableKey, ServiceTable>;
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const table = new ServiceTable(this, `${pascalCase(key)}Table`, {
        definition: TABLES[key],
        prefix: props.tablePrefix,
      });
      // Pinned exports: a consumer stack that stops using a table cannot block this stack's update.
      this.exportValue(table.table.tableName);
      this.exportValue(table.table.tableArn);
      if (table.key) this.exportValue(table.key.keyArn);
      tables[key] = table;
    }
    this.tables = tables;
    this.seedBenchmarks(tables.benchmarks, physicalTableName(TABLES.benchmarks, props.tablePrefix));
  }

  /**
   * Writes the benchmark rows with BatchWriteItem through a custom resource whose role may call
   * exactly that action on exactly that table (and write its own log group). Rows are put
   * again whenever the seed data changes; rows removed from the seed stay until deleted by hand.
   */
  private seedBenchmarks(table: ServiceTable, tableName: string): void {
    const role = new iam.Role(this, 'BenchmarkSeedRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Writes the benchmark seed rows',
    });
    const logGroup = new logs.LogGroup(this, 'BenchmarkSeedLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const items = benchmarkItems();
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      const call: AwsSdkCall = {
        service: 'DynamoDB',
        action: 'BatchWriteItem',
        parameters: {
          RequestItems: {
            [tableName]: items.slice(start, start + BATCH_SIZE).map((Item) => ({ PutRequest: { Item } })),
          },
        },
        physicalResourceId: PhysicalResourceId.of(`benchmark-seed-${start / BATCH_SIZE}`),
      };
      const seed = new AwsCustomResource(this, `BenchmarkSeed${start / BATCH_SIZE}`, {
        onCreate: call,
        onUpdate: call,
        role,
        logGroup,
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
        policy: AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: ['dynamodb:BatchWriteItem'],
            resources: [table.table.tableArn],
          }),
        ]),
      });
      seed.node.addDependency(table);
    }
  }
}
