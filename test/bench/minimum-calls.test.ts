import { describe, expect, it } from 'vitest';
import { minimumCalls, summarizeCalls } from '../../src/bench/minimum-calls.js';
import { benchConfig } from '../../src/bench/pipeline-run.js';
import { emptyJobData, type Job } from '../../src/core/model/job.js';
import type { ProductListing } from '../../src/core/model/listing.js';

function job(release: number, arch: 'x86_64' | 'arm64', createsProduct: boolean): Job {
  const now = new Date(0);
  return {
    id: `f${release}-${arch}`,
    key: `Cloud_Base/${release}/${arch}/c`,
    state: 'published',
    request: {
      release,
      arch,
      subvariant: 'Cloud_Base',
      composeId: 'c',
      imageName: 'n',
      label: '1.1',
      sourceAmi: 'ami-1',
      sourceRegion: 'us-east-1',
      regions: {},
      prerelease: false,
      derived: [],
      origin: { kind: 'cli' },
    },
    data: {
      ...emptyJobData(),
      mirroredAmis: { 'us-east-1': 'ami-a', 'us-east-2': 'ami-b', 'eu-west-1': 'ami-c' },
      mirroredSnapshots: { 'ami-a': ['snap-a'], 'ami-b': ['snap-b'], 'ami-c': ['snap-c'] },
      createsProduct,
      // Only the offered regions matter here: the SSM check samples us-east-1 and eu-west-1 among them.
      listing: { regions: ['us-east-1', 'us-east-2', 'eu-west-1'] } as ProductListing,
    },
    nextRunAt: now,
    attempts: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

describe('minimumCalls', () => {
  // The sandbox configuration mirrors into 3 regions (us-east-1 plus 2 mirror regions).
  const config = benchConfig({ images: 2, clock: 'virtual' });

  it('counts what each stage needs for new products, sharing the run-wide facts', () => {
    const min = minimumCalls(config, [job(40, 'x86_64', true), job(40, 'arm64', true)]);
    expect(min).toEqual({
      // verify, then each region's copy seen available (CopyImage's token finds an earlier copy)
      'ec2:DescribeImages': 2 * (1 + 3),
      'ec2:CopyImage': 2 * 3,
      'ec2:ModifyImageAttribute': 6,
      'ec2:DescribeImageAttribute': 6,
      'ec2:ModifySnapshotAttribute': 6,
      'ec2:DescribeSnapshotAttribute': 6,
      'aws-marketplace:ListEntities': 2,
      // submit and visibility each look for their own set by name (open sets are AWS's lock)
      'aws-marketplace:ListChangeSets': 4,
      // the product with its version and its release, the request for Public
      'aws-marketplace:StartChangeSet': 4,
      'aws-marketplace:DescribeChangeSet': 4,
      // only the SSM check reads the product (its version's alias): the creating set released it
      'aws-marketplace:DescribeEntity': 2,
      // the alias and latest in each of the 2 sampled regions
      'ssm:GetParameter': 2 * 2 * 2,
      'ec2:DescribeRegions': 1,
      'ec2:DescribeInstanceTypes': 2,
    });
  });

  it('needs the entity and its offer when the product already exists, and a look at its visibility', () => {
    const min = minimumCalls(config, [job(40, 'x86_64', false)]);
    // the product and its offer at submit, its visibility at release, the version's alias at ssm
    expect(min['aws-marketplace:DescribeEntity']).toBe(4);
    expect(min['aws-marketplace:ListEntities']).toBe(2);
    expect(min['aws-marketplace:StartChangeSet']).toBe(1);
    expect(min['ec2:DescribeInstanceTypes']).toBe(1);
  });
});

describe('summarizeCalls', () => {
  it('splits the excess into polls and redundant calls', () => {
    const summary = summarizeCalls(
      {
        'ec2:DescribeImages': 10,
        'aws-marketplace:DescribeChangeSet': 4,
        'aws-marketplace:ListChangeSets': 5,
        'ec2:CopyImage': 3,
      },
      {
        'ec2:DescribeImages': 7,
        'aws-marketplace:DescribeChangeSet': 1,
        'aws-marketplace:ListChangeSets': 2,
        'ec2:CopyImage': 3,
      },
    );
    expect(summary).toMatchObject({ total: 22, minimum: 13, polls: 6, redundant: 3 });
    expect(summary.rows.find((r) => r.operation === 'aws-marketplace:ListChangeSets')).toEqual({
      operation: 'aws-marketplace:ListChangeSets',
      total: 5,
      minimum: 2,
      excess: 3,
    });
  });

  it('lists an operation the minimum expects but the run never made', () => {
    const summary = summarizeCalls({}, { 'ec2:CopyImage': 3 });
    expect(summary.rows).toEqual([{ operation: 'ec2:CopyImage', total: 0, minimum: 3, excess: -3 }]);
    expect(summary.redundant).toBe(0);
  });
});
