import {
  AssetHashType,
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import { buildConsole, CONSOLE_SOURCE } from './console-build.js';

export interface ConsoleStackProps extends StackProps {
  /**
   * The URL people reach the console at, when not the distribution's own domain (a domain of
   * your own in front of it): alert links use it, and its origin is the one the API answers with
   * CORS. Default: `https://<distribution domain>/`.
   */
  consoleUrl?: string;
}

/** The name of the configuration the console reads next to its page (written by the API stack). */
export const CONSOLE_CONFIG_FILE = 'config.json';

/**
 * The Content-Security-Policy of the deployed console: its own files only, no inline script or
 * style, no plugins, never framed, forms only to itself; API calls to its own origin and to API
 * Gateway endpoints of the stack's region (the API's own id is only known once it exists, after
 * this stack: the API stack depends on the console's domain for CORS).
 */
export function consoleContentSecurityPolicy(region: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' https://*.execute-api.${region}.amazonaws.com`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * The web console deployed: a private S3 bucket (public access blocked, TLS only, S3-managed
 * encryption) served only through a CloudFront distribution with origin access control, HTTPS
 * only, with a response headers policy (CSP, HSTS, nosniff, frame denial, no referrer). The
 * console is built at synth (esbuild, `lib/console-build.ts`) and deployed into the bucket; the
 * API stack writes `config.json` (the API's URL) next to it.
 */
export class ConsoleStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headersPolicy: cloudfront.ResponseHeadersPolicy;
  readonly deployment: s3deploy.BucketDeployment;
  /** The console's URL (alert links), ending in `/`. */
  readonly url: string;
  /** The console's origin (`https://host`), the one origin the API answers with CORS. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: ConsoleStackProps = {}) {
    super(scope, id, props);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Built from the repository on every deploy: nothing in it is kept anywhere else or needed later.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds the built console (public static files, no tenant data) and is read only by CloudFront through origin access control; server access logs would record nothing but those reads.',
    });

    this.headersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Cost console: CSP, HSTS, nosniff, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy(this.region),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true }],
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Cost management web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headersPolicy,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'The console is a static page whose every call needs an API key; budget owners and operators may sign in from anywhere, so no country is refused.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL, to keep the idle cost at zero (a web ACL is $5/month plus rules): the distribution serves only static files; the API behind the key authorizer has its own throttling.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'Access logs of the console would record downloads of public static files only; every call with data goes to the API, whose access log records it with the tenant.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses its own *.cloudfront.net domain, whose default certificate CloudFront serves with its own TLS policy; a minimum protocol version can be set only with a certificate of your own domain.',
    });

    this.url = props.consoleUrl ?? `https://${this.distribution.distributionDomainName}/`;
    this.origin = props.consoleUrl
      ? new URL(props.consoleUrl).origin
      : `https://${this.distribution.distributionDomainName}`;

    // The deployment's handler gets a role of its own: its log group and the grants the deployment adds.
    const deployRole = new iam.Role(this, 'FilesDeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Copies the built console into the console's bucket",
    });
    const deployLogs = new logs.LogGroup(this, 'FilesDeploymentLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    deployLogs.grantWrite(deployRole);
    this.deployment = new s3deploy.BucketDeployment(this, 'Files', {
      sources: [
        s3deploy.Source.asset(CONSOLE_SOURCE, {
          assetHashType: AssetHashType.OUTPUT,
          bundling: {
            // Built on this machine with esbuild (the repository's own build); the image is never pulled.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
            command: [
              'sh',
              '-c',
              'echo "the console is built locally, see lib/console-build.ts" >&2; exit 1',
            ],
            local: {
              tryBundle(outputDir) {
                buildConsole(outputDir);
                return true;
              },
            },
          },
        }),
      ],
      destinationBucket: this.bucket,
      // The API stack writes the configuration: a deployment of the files keeps it.
      exclude: [CONSOLE_CONFIG_FILE],
      // File names do not change between versions: every file is sent `no-cache`, so browsers
      // revalidate (ETag) on each load and CloudFront (CachingOptimized, minimum TTL 1 s) serves a
      // new version within a second, with no invalidation to pay for or wait on.
      cacheControl: [s3deploy.CacheControl.noCache()],
      role: deployRole,
      logGroup: deployLogs,
      memoryLimit: 256,
    });
    this.acknowledgeDeploymentHandler(deployRole);

    // Pinned exports: the stacks that use the console keep working while they change.
    this.exportValue(this.bucket.bucketName);
    this.exportValue(this.bucket.bucketArn);
    this.exportValue(this.distribution.distributionId);
    this.exportValue(this.distribution.distributionDomainName);

    new CfnOutput(this, 'ConsoleUrl', { value: this.url, description: 'The web console' });
  }

  /**
   * The findings on the CDK's own BucketDeployment handler (a singleton function of the stack), each
   * acknowledged for what it is: the grants the deployment adds to its role, and its runtime.
   */
  private acknowledgeDeploymentHandler(role: iam.Role): void {
    const bucketArn = `<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const grants: [string, string][] = [
      ['Action::s3:GetObject*', 'reads the zipped console from the CDK asset bucket'],
      ['Action::s3:GetBucket*', 'reads the location of the CDK asset bucket and of the console bucket'],
      ['Action::s3:List*', 'lists the console bucket to remove files that are no longer built'],
      ['Action::s3:DeleteObject*', 'removes files of an older console version from the console bucket'],
      ['Action::s3:Abort*', 'aborts an interrupted multipart upload into the console bucket'],
      [
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        'reads the asset it deploys, whose key is a content hash known only at deploy time',
      ],
      [
        `Resource::${bucketArn}/*`,
        'writes the files of the console, which are the whole content of its bucket',
      ],
    ];
    for (const [finding, what] of grants) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: `Granted by the CDK's BucketDeployment to its handler, which ${what}; the grant covers the console bucket and the CDK asset bucket only.`,
      });
    }
    const handler = this.node.children.find((c: IConstruct) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('The BucketDeployment handler was not found in the console stack.');
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "The runtime of the CDK's BucketDeployment handler is chosen by aws-cdk-lib (a Python runtime with the AWS CLI layer); it moves to a newer one with a CDK upgrade.",
    });
  }
}
