/**
 * What submit says follows the first set of a new product's split listing. No listing needs more than the
 * Catalog's 20 changes per set, so this file lowers the limit to 6 (split-listing.test.ts splits by hand).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as validate from '../../src/listing/validate.js';
import { newProductChangeTypes } from '../listing/helpers.js';
import { makeHarness, type Harness } from './harness.js';

vi.mock('../../src/listing/validate.js', async (original) => ({
  ...(await original<typeof validate>()),
  maxChangesPerSet: 6,
}));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a split listing', () => {
  it('counts as following only the changes the later parts really carry', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const done = await h.job(created.id);
    expect(done.state, done.reason).toBe('published');

    const [creating, ...later] = h.sim.state().changeSets;
    // The creating set did not release the product: the release stage did, in a set of its own.
    expect(creating?.changes.map((c) => c.changeType)).not.toContain('ReleaseProduct');
    expect(later.map((c) => c.name)).toContain('fedora-marketplace release Cloud_Base 41 x86_64');
    // What follows is the rest of the listing, carried by the later parts.
    const rest = newProductChangeTypes.slice(creating?.changes.length);
    const parts = later.filter((c) => / part \d$/.test(c.name));
    expect(parts.flatMap((c) => c.changes.map((x) => x.changeType))).toEqual(expect.arrayContaining(rest));

    const messages = (await h.store.events(done.id)).map((e) => e.message);
    expect(messages.find((m) => m.startsWith(`started change set ${creating?.id} `))).toMatch(
      new RegExp(`; ${rest.length} more change\\(s\\) follow in a later set$`),
    );
  });
});
