/**
 * The fewest AWS calls the stages need to publish a set of images, derived from what each stage must
 * learn or change (not from the code that makes the calls), so a measured total can be compared to it.
 */
import { resolveListing } from '../config/load.js';
import { configuredProductId } from '../config/products.js';
import type { Config } from '../config/schema.js';
import { listingPartition } from '../config/partitions.js';
import type { Job } from '../core/model/job.js';

/** Operations whose repeats are waiting (polling), not work. */
export const pollOperations = ['ec2:DescribeImages', 'aws-marketplace:DescribeChangeSet'] as const;

export function minimumCalls(config: Config, jobs: readonly Job[]): Record<string, number> {
  const { settings } = listingPartition(config);
  const regions = new Set([settings.baseRegion, ...settings.mirrorRegions]).size;
  const min: Record<string, number> = {};
  const add = (operation: string, count: number) => {
    if (count > 0) min[operation] = (min[operation] ?? 0) + count;
  };
  for (const job of jobs) {
    const snapshots = Object.values(job.data.mirroredSnapshots).reduce((sum, ids) => sum + ids.length, 0);
    const images = Object.keys(job.data.mirroredAmis).length;
    const configuredProduct = configuredProductId(config, job.request);
    const newProduct = job.data.createsProduct === true;
    const product = config.products[job.request.subvariant];
    const toPublic =
      product !== undefined && resolveListing(product, job.request.arch).visibility === 'public';

    // verify: one owner-pinned lookup of the source image.
    add('ec2:DescribeImages', 1);
    // mirror, per region: start the copy (its ClientToken finds a copy an earlier run started), see it
    // available. (The AWS adapter also looks for the copy by its name first, for moto, which ignores the
    // token; the simulation honours the token as AWS does.)
    add('ec2:DescribeImages', regions);
    add('ec2:CopyImage', regions);
    // share: grant and read back, on every image and every snapshot.
    add('ec2:ModifyImageAttribute', images);
    add('ec2:DescribeImageAttribute', images);
    add('ec2:ModifySnapshotAttribute', snapshots);
    add('ec2:DescribeSnapshotAttribute', snapshots);
    // describe: find the product by title unless configured (the exported change set may reuse
    // submit's entity read, so it is not counted twice).
    if (!configuredProduct) add('aws-marketplace:ListEntities', 1);
    // submit: one lookup, by name, of this job's own change set (restart safety) and of the sets
    // creating the product (one ListChangeSets: a ValueList matches any of its names); an existing
    // product's current details for the minimal change; then start. Another open set on the product is
    // AWS's lock to report (ResourceInUseException), not a lookup. For an existing product also its
    // offer (pricing and terms may have drifted).
    add('aws-marketplace:ListChangeSets', 1);
    if (!newProduct) {
      add('aws-marketplace:DescribeEntity', 1);
      add('aws-marketplace:ListEntities', 1);
      add('aws-marketplace:DescribeEntity', 1);
    }
    add('aws-marketplace:StartChangeSet', 1);
    // await: at least one look at the change set.
    add('aws-marketplace:DescribeChangeSet', 1);
    // release: an existing product's visibility; a new product was released (Draft -> Limited) by the
    // set that created it, with its offer and first version.
    if (!newProduct) add('aws-marketplace:DescribeEntity', 1);
    // visibility: a new product's request for Public, when configuration asks for it: looked for by
    // name (restart safety), started and seen to end (its creating set's success says it is Limited).
    if (newProduct && toPublic) {
      add('aws-marketplace:ListChangeSets', 1);
      add('aws-marketplace:StartChangeSet', 1);
      add('aws-marketplace:DescribeChangeSet', 1);
    }
    // ssm, once the product is Public: the version's alias (DescribeEntity), then the alias and
    // `latest` in each sampled region the product is offered in.
    if (toPublic) {
      const offered = job.data.listing?.regions ?? [];
      add('aws-marketplace:DescribeEntity', 1);
      add('ssm:GetParameter', 2 * config.pipeline.ssmCheckRegions.filter((r) => offered.includes(r)).length);
    }
  }
  // describe, shared by the run (FactsCache): the partition's regions and each architecture's types.
  if (jobs.length > 0) {
    add('ec2:DescribeRegions', 1);
    add('ec2:DescribeInstanceTypes', new Set(jobs.map((j) => j.request.arch)).size);
  }
  return min;
}

export interface CallBreakdownRow {
  operation: string;
  total: number;
  minimum: number;
  /** Calls above the minimum: polls for the poll operations, redundant calls for the others. */
  excess: number;
}

export interface CallSummary {
  total: number;
  minimum: number;
  polls: number;
  /** Calls above the minimum that are not polls (repeated lookups). */
  redundant: number;
  rows: CallBreakdownRow[];
}

export function summarizeCalls(
  measured: Record<string, number>,
  minimum: Record<string, number>,
): CallSummary {
  const operations = [...new Set([...Object.keys(measured), ...Object.keys(minimum)])].sort();
  const rows = operations.map((operation) => {
    const total = measured[operation] ?? 0;
    const min = minimum[operation] ?? 0;
    return { operation, total, minimum: min, excess: total - min };
  });
  const isPoll = (op: string) => (pollOperations as readonly string[]).includes(op);
  const sum = (pick: (r: CallBreakdownRow) => number) => rows.reduce((s, r) => s + pick(r), 0);
  return {
    total: sum((r) => r.total),
    minimum: sum((r) => r.minimum),
    polls: sum((r) => (isPoll(r.operation) ? Math.max(0, r.excess) : 0)),
    redundant: sum((r) => (isPoll(r.operation) ? 0 : Math.max(0, r.excess))),
    rows,
  };
}
