/**
 * The checks behind `fedora-marketplace doctor`: for each enabled partition, whether the configured
 * accounts, regions, Catalog API and product ids are what the pipeline will need. Each check reports
 * instead of throwing, so one broken account does not hide the rest. The access role is checked with the
 * configuration itself (it must be the seller account's), so doctor refuses a wrong one before any check.
 */
import type { Config, PartitionConfig } from '../config/schema.js';
import { listingPartition } from '../config/partitions.js';
import { isAppError } from '../core/errors.js';
import type { Cloud, PartitionClients, RegionInfo } from './ports.js';
import type { Partition } from '../core/model/partition.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when the check fails. */
  hint?: string;
}

const partitions: Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];

function failure(error: unknown): string {
  return isAppError(error) ? error.describe() : error instanceof Error ? error.message : String(error);
}

async function check(
  name: string,
  hint: string,
  probe: () => Promise<{ ok: boolean; detail: string }>,
): Promise<DoctorCheck> {
  try {
    const { ok, detail } = await probe();
    return { name, ok, detail, ...(ok ? {} : { hint }) };
  } catch (error) {
    return { name, ok: false, detail: failure(error), hint };
  }
}

async function identity(
  name: string,
  role: 'internalAccount' | 'sellerAccount',
  partition: Partition,
  cfg: PartitionConfig,
  clients: PartitionClients,
): Promise<DoctorCheck> {
  const expected = cfg[role].accountId;
  const sts = role === 'internalAccount' ? clients.internalSts : clients.sellerSts;
  return check(
    name,
    `the credentials of partitions.${partition}.${role} must act in account ${expected}: fix accountId, profile or roleArn (and the AWS_* environment)`,
    async () => {
      const who = await sts.getCallerIdentity();
      return {
        ok: who.account === expected,
        detail:
          who.account === expected
            ? `${who.arn}`
            : `credentials act as ${who.arn} in ${who.account}, configured ${expected}`,
      };
    },
  );
}

function regionChecks(
  partition: Partition,
  cfg: PartitionConfig,
  regions: RegionInfo[] | Error,
): DoctorCheck[] {
  const wanted = [cfg.baseRegion, ...cfg.mirrorRegions.filter((r) => r !== cfg.baseRegion)];
  return wanted.map((name) => {
    const checkName = `${partition}: region ${name} enabled`;
    const hint = `opt the internal account in to ${name} (Account settings > AWS Regions), or remove it from partitions.${partition}.mirrorRegions`;
    if (regions instanceof Error) return { name: checkName, ok: false, detail: failure(regions), hint };
    const region = regions.find((r) => r.name === name);
    if (!region) return { name: checkName, ok: false, detail: `DescribeRegions does not list ${name}`, hint };
    const ok = region.optInStatus !== 'not-opted-in';
    return { name: checkName, ok, detail: region.optInStatus, ...(ok ? {} : { hint }) };
  });
}

/** The event queue answers GetQueueAttributes for its owner (a wrong URL, region or policy shows here). */
function eventQueueCheck(events: NonNullable<Config['events']>, cloud: Cloud): Promise<DoctorCheck> {
  return check(
    `events: queue ${events.queueUrl}`,
    `create the queue in events.region (${events.region}) with the ${events.account} account, grant that account sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on it (\`fedora-marketplace iam-policy\`), and check events.queueUrl; without it waits are polled on the plain schedule (README: Event-driven waits)`,
    async () => {
      const queue = cloud.eventQueue?.();
      if (!queue) return { ok: false, detail: 'no event queue client was built' };
      const { queueArn, messages } = await queue.check();
      return { ok: true, detail: `${queueArn}: about ${messages} message(s) waiting` };
    },
  );
}

export async function runDoctorChecks(config: Config, cloud: Cloud): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const partition of partitions) {
    const cfg = config.partitions[partition];
    if (!cfg?.enabled) continue;
    const clients = cloud.clients(partition);
    checks.push(
      await identity(`${partition}: internal account identity`, 'internalAccount', partition, cfg, clients),
    );
    checks.push(
      await identity(`${partition}: seller account identity`, 'sellerAccount', partition, cfg, clients),
    );
    const regions = await clients.ec2
      .describeRegions()
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    checks.push(...regionChecks(partition, cfg, regions));
    checks.push(
      await check(
        `${partition}: Catalog API reachable`,
        `the seller account needs aws-marketplace:ListEntities; check partitions.${partition}.endpoints.marketplaceCatalog and the seller credentials`,
        async () => {
          const entities = await clients.catalog.listEntities({ entityType: 'AmiProduct' });
          return { ok: true, detail: `ListEntities: ${entities.length} AmiProduct entities` };
        },
      ),
    );
    // The listing partition's accounts read the queue; a mirror-only partition has none to check.
    if (config.events && partition === listingPartition(config).partition)
      checks.push(await eventQueueCheck(config.events, cloud));
    for (const [productKey, product] of Object.entries(config.products)) {
      for (const [key, productId] of Object.entries(product.productIds)) {
        checks.push(
          await check(
            `${partition}: product ${productKey} ${key} ${productId}`,
            `remove products.${productKey}.productIds.${key} or correct it to a product of seller account ${cfg.sellerAccount.accountId}`,
            async () => {
              const entity = await clients.catalog.describeEntity(productId);
              return { ok: true, detail: entity.details.Description?.ProductTitle ?? entity.entityArn };
            },
          ),
        );
      }
    }
  }
  return checks;
}
