import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { physicalTableName, type TableDefinition } from '../../lambdas/platform/tables.js';

export interface ServiceTableProps {
  definition: TableDefinition;
  /** Prefix of the physical name; empty for the bare seed name. */
  prefix: string;
}

/**
 * One of the service's tables with the table defaults: on-demand billing, point-in-time
 * recovery, encryption with the AWS-managed KMS key (or, for a definition with `ownKey`, a
 * rotated customer-managed key of the table's own, kept as long as the table), TTL and indexes
 * from the definition (indexes project every attribute, or the keys only where the definition says so), and deletion protection plus RETAIN
 * for tables whose definition says `retain`.
 */
export class ServiceTable extends Construct {
  readonly table: dynamodb.Table;
  readonly definition: TableDefinition;
  /** The table's own key, when its definition asks for one (`bindTable` grants its use). */
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: ServiceTableProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    if (definition.ownKey) {
      this.key = new kms.Key(this, 'Key', {
        description: `Encrypts ${physicalTableName(definition, props.prefix)}`,
        enableKeyRotation: true,
        // Without its key the table cannot be read: the key stays as long as the table does.
        removalPolicy: definition.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    }
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: physicalTableName(definition, props.prefix),
      partitionKey: { name: definition.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: definition.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(this.key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      deletionProtection: definition.retain,
      removalPolicy: definition.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
    });
    for (const index of definition.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        projectionType: index.keysOnly ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      });
    }
  }
}
