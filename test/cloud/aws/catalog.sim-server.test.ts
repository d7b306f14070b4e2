/**
 * The aws adapter's Catalog client over HTTP against the simulated Marketplace's REST-JSON server:
 * the adapter, the real SDK client and the server's wire format meet here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsCloud } from '../../../src/cloud/aws/aws-cloud.js';
import type { Cloud } from '../../../src/cloud/ports.js';
import { startCatalogServer } from '../../../src/cloud/sim/catalog-server.js';
import type { SimCloud } from '../../../src/cloud/sim/index.js';
import type { ManualClock } from '../../../src/core/clock.js';
import { CloudError } from '../../../src/core/errors.js';
import { useDummyCredentials, motoConfig } from '../../helpers/moto.js';
import {
  addVersion,
  changeSetSeconds,
  listableAmi,
  makeSim,
  newProductChanges,
  seller,
} from '../sim/sim-fixture.js';

const title = 'Fedora 41 Cloud Base Images (x86_64) HVM';

describe('AwsCatalog against the simulated Catalog API server', () => {
  let sim: SimCloud;
  let clock: ManualClock;
  let server: { url: string; close(): Promise<void> };
  let cloud: Cloud;

  beforeEach(async () => {
    ({ cloud: sim, clock } = makeSim());
    server = await startCatalogServer({
      catalog: sim.clients('aws').catalog,
      host: '127.0.0.1',
      port: 0,
      sellerAccount: seller,
    });
    useDummyCredentials();
    const config = motoConfig('http://127.0.0.1:9');
    config.partitions.aws!.endpoints.marketplaceCatalog = server.url;
    cloud = createAwsCloud(config, { retry: { maxAttempts: 1 } });
  });
  afterEach(async () => {
    await cloud.close();
    await server.close();
  });

  it('creates a product, follows the change set to SUCCEEDED and finds the product and its version', async () => {
    const catalog = cloud.clients('aws').catalog;
    const amiId = await listableAmi(sim, clock);
    const started = await catalog.startChangeSet({
      changes: newProductChanges(title, '41.1.4', amiId),
      changeSetName: 'Create Fedora 41 x86_64',
      clientRequestToken: 'fm-create-41-x86_64',
    });
    const preparing = await catalog.describeChangeSet(started.changeSetId);
    expect(preparing).toMatchObject({
      changeSetId: started.changeSetId,
      status: 'PREPARING',
      intent: 'APPLY',
    });
    expect(preparing.changes.map((c) => c.changeType)).toContain('AddDeliveryOptions');

    clock.advance((changeSetSeconds + 1) * 1000);
    const done = await catalog.describeChangeSet(started.changeSetId);
    expect(done.status).toBe('SUCCEEDED');

    const listed = await catalog.listChangeSets({ changeSetName: 'Create Fedora 41 x86_64' });
    expect(listed.map((s) => [s.changeSetId, s.status])).toEqual([[started.changeSetId, 'SUCCEEDED']]);

    const [product] = await catalog.listEntities({ entityType: 'AmiProduct', productTitle: title });
    expect(product?.name).toBe(title);
    const entity = await catalog.describeEntity(product!.entityId);
    expect(entity.details.Versions?.map((v) => v.VersionTitle)).toEqual(['41.1.4']);
  });

  it('maps a change on a locked entity to resource-in-use', async () => {
    const catalog = cloud.clients('aws').catalog;
    const amiId = await listableAmi(sim, clock);
    await catalog.startChangeSet({
      changes: newProductChanges(title, '41.1.4', amiId),
      changeSetName: 'create',
      clientRequestToken: 'fm-create',
    });
    clock.advance((changeSetSeconds + 1) * 1000);
    const [product] = await catalog.listEntities({ entityType: 'AmiProduct', productTitle: title });
    const second = await listableAmi(sim, clock, 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.5');
    await catalog.startChangeSet({
      changes: [addVersion(product!.entityId, '41.1.5', second)],
      changeSetName: 'add 41.1.5',
      clientRequestToken: 'fm-add-41.1.5',
    });
    const error = await catalog
      .startChangeSet({
        changes: [addVersion(product!.entityId, '41.1.6', second)],
        changeSetName: 'add 41.1.6',
        clientRequestToken: 'fm-add-41.1.6',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({
      kind: 'resource-in-use',
      service: 'marketplace-catalog',
      operation: 'StartChangeSet',
    });
  });
});
