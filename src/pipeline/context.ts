import type { Logger } from 'pino';
import type { Cloud, InstanceTypeInfo, RegionInfo } from '../cloud/ports.js';
import type { Partition } from '../core/model/partition.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { JobStore } from '../store/store.js';
import type { AwsArch } from '../core/arch.js';
import type { Job } from '../core/model/job.js';
import { Semaphore } from './semaphore.js';
import { newWorkerId } from './worker.js';

/** Everything a stage may use; built once per process. */
export interface PipelineContext {
  config: Config;
  cloud: Cloud;
  store: JobStore;
  clock: Clock;
  logger: Logger;
  /** Where load forms and change-set documents are written, one folder per job. */
  outputDir: string;
  /** Per-region limit on concurrent CopyImage work (AWS caps concurrent copies per region). */
  copySlots(region: string): Semaphore;
  /** Read-mostly AWS facts shared by all jobs of a run, so 40 images cost one DescribeRegions. */
  facts: FactsCache;
  /** Called when a job reaches a terminal state (announcements). */
  onTerminal?: (job: Job) => Promise<void>;
  /** Called after every persisted step of any job (metrics); must not throw. */
  onStep?: (step: JobStep) => void;
  /** This process's worker id: the holder of its job leases and product locks (worker.ts). */
  worker: string;
  /** Present while an AWS event consumer runs: waits it can end poll only as a fallback (poll.ts). */
  events?: { flowing(): boolean };
}

/** One persisted step: the job as the stage found it and as it was saved. */
export interface JobStep {
  previous: Job;
  job: Job;
}

/** A context over the given parts, with fresh per-region copy slots and an empty facts cache. */
export function createPipelineContext(
  parts: Pick<
    PipelineContext,
    'config' | 'cloud' | 'store' | 'clock' | 'logger' | 'outputDir' | 'onTerminal' | 'onStep'
  > &
    Partial<Pick<PipelineContext, 'worker'>>,
): PipelineContext {
  const slots = new Map<string, Semaphore>();
  return {
    ...parts,
    worker: parts.worker ?? newWorkerId(),
    copySlots: (region) => {
      let slot = slots.get(region);
      if (!slot) slots.set(region, (slot = new Semaphore(parts.config.pipeline.copiesPerRegion)));
      return slot;
    },
    facts: new FactsCache(parts.cloud),
  };
}

export class FactsCache {
  private readonly regions = new Map<Partition, Promise<RegionInfo[]>>();
  private readonly types = new Map<string, Promise<InstanceTypeInfo[]>>();

  constructor(private readonly cloud: Cloud) {}

  describeRegions(partition: Partition): Promise<RegionInfo[]> {
    return this.memo(this.regions, partition, () => this.cloud.clients(partition).ec2.describeRegions());
  }

  describeInstanceTypes(partition: Partition, region: string, arch: AwsArch): Promise<InstanceTypeInfo[]> {
    return this.memo(this.types, `${partition}/${region}/${arch}`, () =>
      this.cloud.clients(partition).ec2.describeInstanceTypes(region, { architecture: arch }),
    );
  }

  /** Failed lookups are forgotten so that the next job retries them. */
  private memo<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let hit = map.get(key);
    if (!hit) {
      hit = load();
      map.set(key, hit);
      hit.catch(() => map.delete(key));
    }
    return hit;
  }
}
