/**
 * The configuration schema: one YAML file, validated strictly (unknown keys are errors) so that a
 * typo cannot silently fall back to a default. Defaults live here and nowhere else.
 */
import { z } from 'zod';
import { busSchema } from './bus-schema.js';
import { eventsSchema } from './events-schema.js';
import { httpDefaults, httpSchema } from './http-schema.js';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quote it in YAML)');
const region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region code such as us-east-1');
const roleArn = z
  .string()
  .regex(/^arn:aws(-us-gov|-cn)?:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-/]+$/, 'must be an IAM role ARN');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const defaultShareWithAccounts = ['679593333241', '684062674729', '264483973329'] as const;

/** How to obtain credentials for one account; all optional: the default provider chain is used. */
const accountSchema = z.strictObject({
  accountId,
  /** A named profile from ~/.aws/config. */
  profile: z.string().min(1).optional(),
  /** A role to assume (after the profile or default chain). */
  roleArn: roleArn.optional(),
  externalId: z.string().min(2).max(1224).optional(),
  sessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 characters of letters, digits and +=,.@-_')
    .default('fedora-marketplace'),
});

const endpointsSchema = z.strictObject({
  ec2: httpUrl.optional(),
  ssm: httpUrl.optional(),
  sts: httpUrl.optional(),
  marketplaceCatalog: httpUrl.optional(),
  sqs: httpUrl.optional(),
});

const partitionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Where mirrored images live and where the Marketplace ingests them (must be us-east-1 for aws). */
  baseRegion: region,
  /** More regions to copy the image into ("Cloned AMI ID" columns of the load form). */
  mirrorRegions: z.array(region).default([]),
  internalAccount: accountSchema,
  sellerAccount: accountSchema,
  marketplace: z.strictObject({
    /**
     * Accounts that need launch and createVolume permission: Marketplace ingestion and scanning.
     * 264483973329 joined in 2025: AMI scans failed without it (reference/marketplace-facts.md).
     */
    shareWithAccounts: z
      .array(accountId)
      .min(1)
      .default([...defaultShareWithAccounts]),
    /** The role the Marketplace assumes to ingest the AMI; the seller passes it, so it is the seller's. */
    accessRoleArn: roleArn,
    /**
     * GovCloud regions go into API change sets only once AWS Marketplace has enabled the seller account
     * for them; until then they stay in the load form, for a Marketplace representative to enable.
     */
    govCloudThroughApi: z.boolean().default(false),
  }),
  endpoints: endpointsSchema.default({}),
});

const securityGroupSchema = z.strictObject({
  protocol: z.enum(['tcp', 'udp']),
  fromPort: z.number().int().min(1).max(65535),
  toPort: z.number().int().min(1).max(65535),
  cidrs: z
    .array(z.string().regex(/^[\d.:a-fA-F]+\/\d{1,3}$/, 'must be a CIDR such as 0.0.0.0/0'))
    .min(1)
    .max(5),
});

/** Every listing field of one product; an architecture may override any of them. */
const listingFields = {
  /** Placeholders: {release} {arch} (AWS) {fedoraArch} {subvariant} {subvariantTitle}. */
  title: z.string().min(1),
  shortDescription: z.string().min(1),
  longDescription: z.string().min(1),
  highlights: z.array(z.string().min(1)).min(1).max(3),
  categories: z.array(z.string().min(1)).min(1).max(3),
  searchKeywords: z.array(z.string().min(1)).min(1).max(15),
  additionalResources: z
    .array(z.strictObject({ text: z.string().min(1), url: httpUrl }))
    .max(3)
    .default([]),
  supportDescription: z.string().min(1),
  logoUrl: httpsUrl,
  videoUrl: httpsUrl.optional(),
  /** The offer's legal terms: a custom EULA at this address (also the load form's "EULA URL"). */
  eulaUrl: httpsUrl,
  /** The offer's support terms: the refund policy buyers read (a free listing says there is nothing to refund). */
  refundPolicy: z.string().min(1),
  /** The offer's description (its name is the product title). Placeholders as in title. */
  offerDescription: z
    .string()
    .min(1)
    .default('Fedora {release} {subvariantTitle} ({fedoraArch}): free of charge, no software fee.'),
  /**
   * How far the pipeline takes a product: `limited` (released, visible to the seller account and
   * allow-listed buyers) or `public` (in the catalog for every buyer, after AWS's review).
   */
  visibility: z.enum(['limited', 'public']),
  manufacturer: z.string().min(1).default('Fedora Project'),
  operatingSystemName: z.string().min(1).default('FEDORA'),
  /** Placeholders as in title. */
  operatingSystemVersion: z.string().min(1).default('{release}'),
  userName: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/, 'must be a Linux user name of at most 32 characters')
    .default('fedora'),
  scanningPort: z.number().int().min(1).max(65535).default(22),
  securityGroups: z
    .array(securityGroupSchema)
    .min(1)
    .max(25)
    .default([{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0'] }]),
  usageInstructions: z.string().min(1),
  upgradeInstructions: z.string().min(1),
  recommendedInstanceType: z
    .string()
    .regex(/^[a-z]+[0-9]+[a-z-]*\.[0-9]*[a-z]+$/, 'must be an instance type such as t3.small'),
  /** Placeholders as in title plus {label} {composeId} {imageName} {date}. */
  versionTitle: z.string().min(1).default('{release}.{label}'),
  /** The version title of a Beta/RC image (policy.prereleases: own-product); says what the image is. */
  prereleaseVersionTitle: z.string().min(1).default('{release}.{label} Prerelease'),
  releaseNotes: z.string().min(1),
  /** `all`: every region the Marketplace offers (from DescribeRegions plus GovCloud); or a list. */
  regions: z.union([z.literal('all'), z.array(region).min(1)]).default('all'),
  futureRegionSupport: z.enum(['All', 'US', 'None']).default('All'),
  instanceTypes: z
    .strictObject({
      /** Instance types or families (`t2`, `m5.*`) never listed. */
      exclude: z.array(z.string().min(1)).default([]),
      /** Include previous-generation types too. */
      includePreviousGeneration: z.boolean().default(false),
    })
    .default({ exclude: [], includePreviousGeneration: false }),
  /** How many versions stay available to buyers; older ones are restricted. */
  keepVersions: z.number().int().min(1).default(3),
};

/** Overrides carry no defaults: an absent key must fall through to the product's value, not reset it. */
const listingOverrideSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(listingFields).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field).optional(),
    ]),
  ) as { [K in keyof typeof listingFields]: z.ZodOptional<z.ZodType<z.output<(typeof listingFields)[K]>>> },
);

const productSchema = z.strictObject({
  ...listingFields,
  /** Existing Marketplace product ids, keyed `<release>/<arch>`, e.g. `41/x86_64: prod-abc...`. */
  productIds: z
    .record(
      z
        .string()
        .regex(/^\d+\/(x86_64|arm64)(\/prerelease)?$/, 'keys look like 41/x86_64 (or 43/x86_64/prerelease)'),
      z.string().min(1),
    )
    .default({}),
  architectures: z
    .strictObject({ x86_64: listingOverrideSchema.optional(), arm64: listingOverrideSchema.optional() })
    .default({}),
});

const simSchema = z.strictObject({
  /** Simulated AWS latencies, in simulated seconds. */
  latency: z
    .strictObject({
      copyImageSeconds: z.number().min(0).default(1800),
      changeSetPrepareSeconds: z.number().min(0).default(120),
      changeSetApplySeconds: z.number().min(0).default(900),
      /** Wall-clock milliseconds added to every API call (0 for unit tests, realistic for benchmarks). */
      apiCallMilliseconds: z.number().min(0).default(0),
    })
    .default({
      copyImageSeconds: 1800,
      changeSetPrepareSeconds: 120,
      changeSetApplySeconds: 900,
      apiCallMilliseconds: 0,
    }),
  faults: z
    .strictObject({
      /** Probability (0..1) that any API call is throttled. */
      throttleRate: z.number().min(0).max(1).default(0),
      /** Probability (0..1) that any API call fails with a 5xx. */
      serverErrorRate: z.number().min(0).max(1).default(0),
      /** Copies of these source AMI ids end in state `failed`. */
      failCopyOf: z.array(z.string()).default([]),
      /** Probability (0..1) that a started change set ends FAILED with SERVER_FAULT. */
      changeSetServerFaultRate: z.number().min(0).max(1).default(0),
      /** Seed for the fault dice, so a failing run can be replayed. */
      seed: z.number().int().default(1),
      /** Probability (0..1) that an AWS event is never delivered (AWS sends them best effort). */
      eventDropRate: z.number().min(0).max(1).default(0),
    })
    .default({
      throttleRate: 0,
      serverErrorRate: 0,
      failCopyOf: [],
      changeSetServerFaultRate: 0,
      seed: 1,
      eventDropRate: 0,
    }),
  /**
   * The simulated AWS puts EC2 AMI State Change and change-set events on an in-process queue, and the
   * sandbox ends its waits with them (`events.fallbackPollSeconds` applies); false: polling only.
   */
  events: z.boolean().default(true),
  /** Seed Fedora-owned source images named by a message before the run (sandbox only). */
  seedSourceImages: z.boolean().default(true),
  /** What the simulated Marketplace decides where AWS decides per seller or per request. */
  marketplace: z
    .strictObject({
      /** AWS reviews a request for Public visibility: how long it takes, and whether it is approved. */
      publicReview: z
        .strictObject({
          outcome: z.enum(['approve', 'refuse']).default('approve'),
          seconds: z.number().min(0).default(86_400),
          /** The reason a refusal gives in the change set's ErrorDetailList. */
          reason: z
            .string()
            .min(1)
            .default('The listing does not meet the AWS Marketplace listing guidelines.'),
        })
        .default({
          outcome: 'approve',
          seconds: 86_400,
          reason: 'The listing does not meet the AWS Marketplace listing guidelines.',
        }),
      /** The seller account has been enabled for GovCloud: AddRegions accepts us-gov-* regions. */
      govCloudEnabled: z.boolean().default(false),
      /** DescribeEntity shows what AWS shows: an awsmp-logos LogoUrl, FutureRegionSupport null, instance types per version only. */
      rewriteEntityDetails: z.boolean().default(true),
    })
    .default({
      publicReview: {
        outcome: 'approve',
        seconds: 86_400,
        reason: 'The listing does not meet the AWS Marketplace listing guidelines.',
      },
      govCloudEnabled: false,
      rewriteEntityDetails: true,
    }),
});

const storeSchema = z.strictObject({
  driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
  /** PostgreSQL connection string (driver postgres). SQLite lives in the state directory. */
  url: z.string().optional(),
});

export const configSchema = z
  .strictObject({
    fedora: z
      .strictObject({
        /** Fedora's AMI owner. Every source lookup is pinned to it (CVE-2018-15869). */
        ownerAccount: accountId.default('125523088429'),
        sourceRegion: region.default('us-east-1'),
      })
      .default({ ownerAccount: '125523088429', sourceRegion: 'us-east-1' }),
    policy: z
      .strictObject({
        /**
         * Beta/RC images: `skip` them (a skip, with its reason), or list them on a product of their own
         * (`own-product`). They never become versions of the release's product.
         */
        prereleases: z.enum(['skip', 'own-product']).default('skip'),
        /** The environment whose announcements are listed; another environment's (staging) are refused. */
        topicPrefix: z
          .string()
          .regex(
            /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/,
            'must be a dotted topic prefix such as org.fedoraproject.prod',
          )
          .default('org.fedoraproject.prod'),
        subvariants: z.array(z.string().min(1)).min(1).default(['Cloud_Base']),
        /** Release -> end-of-life date; images of releases past it are skipped, their products restricted. */
        endOfLife: z.record(z.string().regex(/^\d+$/, 'keys are release numbers'), z.iso.date()).default({}),
      })
      .default({
        prereleases: 'skip',
        topicPrefix: 'org.fedoraproject.prod',
        subvariants: ['Cloud_Base'],
        endOfLife: {},
      }),
    cloud: z
      .strictObject({
        adapter: z.enum(['sim', 'aws']).default('sim'),
        sim: simSchema.default(simSchema.parse({})),
      })
      .default({ adapter: 'sim', sim: simSchema.parse({}) }),
    partitions: z
      .strictObject({
        aws: partitionSchema.optional(),
        'aws-us-gov': partitionSchema.optional(),
        'aws-cn': partitionSchema.optional(),
      })
      .refine((p) => Object.values(p).some((v) => v?.enabled), {
        message: 'at least one partition must be configured and enabled',
      }),
    products: z.record(z.string().min(1), productSchema).refine((p) => Object.keys(p).length > 0, {
      message: 'at least one product (subvariant) must be configured',
    }),
    pipeline: z
      .strictObject({
        /** Jobs worked on at once. */
        concurrency: z.number().int().min(1).max(256).default(16),
        /** In-flight CopyImage calls per region (AWS allows ~300 concurrent copies per region). */
        copiesPerRegion: z.number().int().min(1).max(300).default(20),
        pollSeconds: z
          .strictObject({
            image: z.number().min(0.01).default(15),
            changeSet: z.number().min(0.01).default(60),
            /** AWS reviews a request for Public visibility for days: look rarely. */
            review: z.number().min(0.01).default(1800),
          })
          .default({ image: 15, changeSet: 60, review: 1800 }),
        retry: z
          .strictObject({
            maxAttempts: z.number().int().min(1).default(10),
            baseDelaySeconds: z.number().min(0).default(2),
            maxDelaySeconds: z.number().min(1).default(600),
          })
          .default({ maxAttempts: 10, baseDelaySeconds: 2, maxDelaySeconds: 600 }),
        /** After a version succeeds, its SSM alias is resolved in these regions (a sample: every call costs). */
        ssmCheckRegions: z.array(region).default(['us-east-1', 'eu-west-1']),
        /**
         * Looks at an alias that does not resolve yet before publishing anyway, with the gap recorded; each
         * wait is three times the one before (from pollSeconds.changeSet), so 4 looks span 13 intervals.
         */
        ssmCheckAttempts: z.number().int().min(1).default(4),
        /**
         * How long a worker holds a job (and a product lock) without renewing it, in wall-clock seconds.
         * Renewed every third of it while a stage runs; a worker that dies loses its jobs after this long.
         */
        leaseSeconds: z.number().min(0.1).max(3600).default(30),
        /**
         * How long a product's lock outlives a holder that stopped renewing it (died, or stalled). Longer
         * than a job's lease: two jobs of one product share no AWS idempotency token, so a holder that dies
         * during its StartChangeSet (still being processed, or not listed yet) must not let another job
         * look, see no product and create a twin. Renewed every third of it while its holder runs.
         */
        productLockSeconds: z.number().min(0.1).max(3600).default(120),
      })
      .default({
        concurrency: 16,
        copiesPerRegion: 20,
        pollSeconds: { image: 15, changeSet: 60, review: 1800 },
        retry: { maxAttempts: 10, baseDelaySeconds: 2, maxDelaySeconds: 600 },
        ssmCheckRegions: ['us-east-1', 'eu-west-1'],
        ssmCheckAttempts: 4,
        leaseSeconds: 30,
        productLockSeconds: 120,
      }),
    store: storeSchema.default({ driver: 'sqlite' }),
    /** The message bus `listen` consumes and announces on (see bus-schema.ts); optional, additive. */
    bus: busSchema.optional(),
    /** The SQS queue of AWS events that end waits early (see events-schema.ts); optional. */
    events: eventsSchema,
    /** The HTTP server of `listen` and `serve` (see http-schema.ts). */
    http: httpSchema.default(httpDefaults),
  })
  .superRefine((cfg, ctx) => {
    const aws = cfg.partitions.aws;
    if (aws && aws.baseRegion !== 'us-east-1') {
      ctx.addIssue({
        code: 'custom',
        path: ['partitions', 'aws', 'baseRegion'],
        message: 'must be us-east-1: the Marketplace only ingests AMIs from US East (N. Virginia)',
        input: aws.baseRegion,
      });
    }
    for (const [partition, settings] of Object.entries(cfg.partitions)) {
      if (settings) accessRoleIssue(partition, settings, ctx);
    }
    for (const [name, product] of Object.entries(cfg.products)) {
      for (const arch of ['x86_64', 'arm64'] as const) {
        const sg = product.architectures[arch]?.securityGroups ?? product.securityGroups;
        sg.forEach((rule, i) => {
          if (rule.fromPort > rule.toPort)
            ctx.addIssue({
              code: 'custom',
              path: ['products', name, 'securityGroups', i, 'fromPort'],
              message: 'fromPort must not exceed toPort',
              input: rule.fromPort,
            });
        });
      }
    }
    if (cfg.store.driver === 'postgres' && !cfg.store.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['store', 'url'],
        message: 'is required when store.driver is postgres (e.g. postgres://user@127.0.0.1:5432/db)',
      });
    }
  });

/**
 * The access role is named in the seller's change sets and IAM lets an account pass only its own roles
 * (iam:PassRole), so a role of the internal account, or of another partition, is refused by AWS.
 */
function accessRoleIssue(
  partition: string,
  settings: z.infer<typeof partitionSchema>,
  ctx: z.core.$RefinementCtx,
): void {
  const arn = settings.marketplace.accessRoleArn;
  const [, arnPartition, account] = /^arn:([\w-]+):iam::(\d{12}):/.exec(arn) ?? [];
  const seller = settings.sellerAccount.accountId;
  if (arnPartition === partition && account === seller) return;
  const name = arn.slice(arn.indexOf(':role/') + ':role/'.length);
  ctx.addIssue({
    code: 'custom',
    path: ['partitions', partition, 'marketplace', 'accessRoleArn'],
    message:
      arnPartition !== partition
        ? `must be a role of partition ${partition}, not ${arnPartition ?? '?'}`
        : `must be a role of the seller account ${seller}, not of ${account ?? '?'}: the seller passes it in its change sets, and IAM cannot pass another account's role`,
    input: arn,
    params: {
      hint: `create the role in the seller account (\`fedora-marketplace iam-policy\` prints its policies) and set arn:${partition}:iam::${seller}:role/${name}`,
    },
  });
}

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type PartitionConfig = z.infer<typeof partitionSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type ProductConfig = z.infer<typeof productSchema>;
export type ListingConfig = z.infer<z.ZodObject<typeof listingFields>>;
export type SimConfig = z.infer<typeof simSchema>;
