import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { physicalTableName, type TableDefinition } from '../../lambdas/platform/tables.js';

export interface ServiceTableProps {
  definition: TableDefinition;
  /** Prefix of the physical name; empty for the bare seed name. */
  prefix: string;
}

/**
 * One of the service's tables with the table defaults: on-demand billing, point-in-time
 * recovery, encryption with the AWS-managed KMS key, TTL and indexes from the definition
 * (indexes project every attribute unless the definition says keys only), and deletion protection plus RETAIN for tables whose
 * definition says `retain`.
 */
export class ServiceTable extends Construct {
  readonly table: dynamodb.Table;
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, props: ServiceTableProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: physicalTableName(definition, props.prefix),
      partitionKey: { name: definition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: definition.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: definition.retain,
      removalPolicy: definition.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
    });
    for (const index of definition.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        projectionType:
          index.projection === 'keys-only' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }
  }
}
