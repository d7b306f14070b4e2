/**
 * Simulated SSM public parameters for Marketplace AMI aliases: once a version's change set has
 * succeeded, `/aws/service/marketplace/<prod-id>/<versionTitle>` and `.../latest` resolve in every
 * region of the product to a Marketplace-owned AMI id (deterministic, see marketplaceAmiId).
 */
import { CloudError } from '../../core/errors.js';
import type { AmiProductDetails, SsmPort } from '../ports.js';
import type { Partition } from '../../core/model/partition.js';
import type { CallGate } from './faults.js';
import { regionsByPartition } from './regions-fixture.js';
import type { SimWorld } from './world.js';
import { marketplaceAmiId, type WorldState } from './world-state.js';

const aliasPattern = /^\/aws\/service\/marketplace\/(prod-[a-z0-9]+)\/(.+)$/;

type Version = NonNullable<AmiProductDetails['Versions']>[number];

function resolveVersion(versions: Version[], key: string): Version | undefined {
  if (key === 'latest') {
    const live = versions.filter((v) => v.DeliveryOptions?.some((o) => o.Visibility === 'Public'));
    return live.at(-1);
  }
  return versions.find((v) => v.VersionTitle === key);
}

/** The AMI an alias resolves to in `region`, or undefined when it does not resolve there. */
export function resolveAlias(state: WorldState, region: string, name: string): string | undefined {
  const match = aliasPattern.exec(name);
  if (!match) return undefined;
  const [, productId = '', key = ''] = match;
  const product = state.products[productId];
  if (!product || !(product.details.RegionAvailability?.Regions ?? []).includes(region)) return undefined;
  const option = resolveVersion(product.details.Versions ?? [], key)?.DeliveryOptions?.[0];
  return option?.Id === undefined ? undefined : marketplaceAmiId(productId, option.Id, region);
}

/** Maps a Marketplace AMI id from an alias back to its product version, for checks. */
export function findMarketplaceAmi(
  state: WorldState,
  amiId: string,
): { productId: string; versionTitle: string; region: string } | undefined {
  for (const product of Object.values(state.products)) {
    for (const version of product.details.Versions ?? []) {
      const optionId = version.DeliveryOptions?.[0]?.Id;
      if (optionId === undefined) continue;
      for (const region of product.details.RegionAvailability?.Regions ?? []) {
        if (marketplaceAmiId(product.productId, optionId, region) === amiId) {
          return { productId: product.productId, versionTitle: version.VersionTitle ?? '', region };
        }
      }
    }
  }
  return undefined;
}

export class SimSsm implements SsmPort {
  constructor(
    private readonly world: SimWorld,
    private readonly gate: CallGate,
    private readonly partition: Partition,
  ) {}

  async getParameter(region: string, name: string): Promise<string | undefined> {
    await this.gate.enter('ssm', 'GetParameter');
    if (!regionsByPartition[this.partition].some((r) => r.name === region)) {
      throw new CloudError({
        kind: 'validation',
        awsCode: 'InvalidRegion',
        service: 'ssm',
        operation: 'GetParameter',
        message: `Region ${region} is not part of partition ${this.partition}`,
      });
    }
    return this.world.read((state) => resolveAlias(state, region, name));
  }
}
