import { afterEach, describe, expect, it } from 'vitest';
import { listingPartition } from '../../src/config/partitions.js';
import { stableToken } from '../../src/core/ids.js';
import { changeSetsOf, newProductGroups } from '../../src/listing/change-set.js';
import { createProductChangeSetName } from '../../src/listing/change-set-names.js';
import { newProductChangeTypes } from '../listing/helpers.js';
import { makeHarness, runUntil, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a listing that needs more than one change set', () => {
  it('is submitted part by part, each part planned against the product as the earlier one left it', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    const job = await runUntil(h, created.id, 'submit');
    const listing = job.data.listing!;
    // What submit starts when a listing does not fit one set: its first part (here split at 6 changes).
    const [first, ...later] = changeSetsOf(newProductGroups(listing, listing), 6);
    expect(later.length).toBeGreaterThan(0);
    const catalog = h.sim.clients(listingPartition(h.config).partition).catalog;
    const { changeSetId } = await catalog.startChangeSet({
      changes: first!,
      changeSetName: createProductChangeSetName(listing),
      clientRequestToken: stableToken('cs', job.key, 1),
      intent: 'APPLY',
    });
    await h.store.saveJob({
      ...job,
      state: 'await',
      data: { ...job.data, changeSetId, createsProduct: true },
    });

    await h.publishAll();
    const done = await h.job(created.id);
    expect(done.state, done.reason).toBe('published');
    expect(done.data.submitPart).toBe(2);
    const sets = h.sim.state().changeSets;
    expect(sets.map((c) => [c.name, c.changes.map((x) => x.changeType)])).toEqual([
      // The product with its offer, information and regions; then, planned again, the rest.
      ['fedora-marketplace create Cloud_Base 41 x86_64', newProductChangeTypes.slice(0, 5)],
      ['fedora-marketplace Cloud_Base 41 x86_64 version 41.1.4 part 2', newProductChangeTypes.slice(5)],
      [
        'fedora-marketplace release Cloud_Base 41 x86_64',
        ['ReleaseProduct', 'UpdateInformation', 'ReleaseOffer'],
      ],
      ['fedora-marketplace public Cloud_Base 41 x86_64', ['UpdateVisibility']],
    ]);
    // The second part names the offer the first one created, not a reference into another set.
    const second = sets[1]!;
    expect(second.changes.find((c) => c.changeType === 'UpdatePricingTerms')?.entity).toBe(done.data.offerId);
    expect((await h.store.events(done.id)).map((e) => e.message)).toContain(
      `change set ${changeSetId} SUCCEEDED; submitting part 2 of the listing`,
    );
  });
});
