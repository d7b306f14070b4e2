import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { versionChangeSetName } from '../../src/listing/change-set-names.js';
import { stages } from '../../src/core/model/job.js';
import { newProductChangeTypes } from '../listing/helpers.js';
import { makeHarness, impostorAccount, internalAccount, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('publishing one image on the simulated cloud', () => {
  it('runs verify -> mirror -> share -> describe -> submit -> await -> visibility -> ssm -> published', async () => {
    h = await makeHarness();
    const request = h.request();
    const created = await h.createJob(request);
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state, job.reason).toBe('published');

    const advanced = (await h.store.events(job.id)).filter(
      (e) => e.kind === 'advanced' || e.kind === 'published',
    );
    // The set that creates the product releases it: no release stage.
    expect(advanced.map((e) => e.stage)).toEqual(stages.filter((s) => s !== 'release'));
    expect(advanced.at(-1)?.kind).toBe('published');

    const world = h.sim.state();
    const mirrors = world.images.filter((i) => i.owner === internalAccount);
    expect(mirrors.map((i) => i.region).sort()).toEqual(['eu-west-1', 'us-east-1', 'us-east-2']);
    expect(Object.values(job.data.mirroredAmis).sort()).toEqual(mirrors.map((i) => i.id).sort());
    // The Marketplace accounts, and the seller account (its access role reads the image).
    const accounts = [...(h.config.partitions.aws?.marketplace.shareWithAccounts ?? []), '444455556666'];
    for (const image of mirrors) {
      expect(image.state).toBe('available');
      expect(image.tags).toMatchObject({
        'fedora-marketplace:job': job.id,
        'fedora-marketplace:source-ami': request.sourceAmi,
        'fedora-marketplace:compose-id': request.composeId,
        'fedora-marketplace:release': '41',
        'fedora-marketplace:arch': 'x86_64',
      });
      expect([...image.launchPermissions].sort()).toEqual([...accounts].sort());
      for (const snapshot of image.snapshots)
        expect([...snapshot.createVolumePermissions].sort()).toEqual([...accounts].sort());
    }
    expect(job.data.sharedWith).toEqual(accounts);

    // The product with its offer and first version, both released in the same set, then the request
    // for Public.
    expect(world.changeSets.map((c) => [c.status, c.changes.map((x) => x.changeType)])).toEqual([
      ['SUCCEEDED', [...newProductChangeTypes, 'ReleaseProduct', 'ReleaseOffer']],
      ['SUCCEEDED', ['UpdateVisibility']],
    ]);
    const exported = JSON.parse(readFileSync(job.data.changeSetPath!, 'utf8')) as {
      ChangeSet: Array<{ ChangeType: string; Entity: { Type: string; Identifier?: string } }>;
    };
    expect(exported.ChangeSet.map((c) => c.ChangeType)).toEqual(
      world.changeSets[0]!.changes.map((c) => c.changeType),
    );
    expect(exported.ChangeSet.slice(2).map((c) => c.Entity.Identifier)).toEqual(
      exported.ChangeSet.slice(2).map((c) =>
        c.Entity.Type === 'Offer@1.0' ? '$CreateOffer.Entity.Identifier' : '$CreateProduct.Entity.Identifier',
      ),
    );
    expect(existsSync(job.data.loadFormPath!)).toBe(true);
    expect(job.data.loadFormPath).toMatch(/\.xlsx$/);

    expect(world.products).toHaveLength(1);
    expect(job.data.productId).toBe(world.products[0]!.id);
    expect(world.products[0]!.title).toBe('Fedora 41 Cloud Base Images (x86_64) HVM');
    expect(world.products[0]!.versions).toEqual([
      expect.objectContaining({ title: '41.1.4', amiId: job.data.mirroredAmis['us-east-1'] }),
    ]);
    expect(job.data.createsProduct).toBe(true);

    // Public, with its offer: recorded per product for status and the announcement.
    const product = await h.store.getProduct('Cloud_Base/41/x86_64');
    expect(product).toMatchObject({
      productId: job.data.productId,
      visibility: 'Public',
      offerId: job.data.offerId,
    });
    expect(job.data.offerId).toMatch(/^offer-/);
  });

  it('refuses a source AMI owned by another account and copies nothing', async () => {
    h = await makeHarness();
    const request = h.request({ ownerId: impostorAccount });
    const created = await h.createJob(request);
    await h.publishAll();
    const job = await h.job(created.id);
    expect(job.state).toBe('failed');
    expect(job.data.failedStage).toBe('verify');
    expect(job.reason).toContain(`source AMI ${request.sourceAmi} was not found`);
    expect(job.reason).toContain('125523088429');
    expect(h.sim.callCounts()['ec2:CopyImage'] ?? 0).toBe(0);
    expect(h.sim.state().images.filter((i) => i.owner === internalAccount)).toEqual([]);
  });

  it('persists waits: a new scheduler over the same store and cloud finishes the job', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll({ detach: true });
    const waiting = await h.job(created.id);
    expect(waiting.state).toBe('mirror');
    expect(waiting.nextRunAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
    expect(waiting.reason).toMatch(/waiting for copies/);

    const restarted = await makeHarness({ store: h.store, sim: h.sim, clock: h.clock, dir: h.dir });
    await restarted.publishAll();
    const job = await restarted.job(created.id);
    expect(job.state, job.reason).toBe('published');
    // The restart reused the copies started before it.
    expect(h.sim.callCounts()['ec2:CopyImage']).toBe(3);
  });

  it('names change sets deterministically per version and attempt', () => {
    const listing = {
      subvariant: 'Cloud_Base',
      release: 41,
      arch: 'x86_64' as const,
      versionTitle: '41.1.4',
    };
    expect(versionChangeSetName(listing, 1)).toBe('fedora-marketplace Cloud_Base 41 x86_64 version 41.1.4');
    expect(versionChangeSetName(listing, 2)).toBe(
      'fedora-marketplace Cloud_Base 41 x86_64 version 41.1.4 attempt 2',
    );
  });
});
