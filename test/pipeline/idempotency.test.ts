import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job, JobState } from '../../src/core/model/job.js';
import { runStage } from '../../src/pipeline/runner.js';
import { makeHarness, internalAccount, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Puts a job back into `state`, as a crash between an AWS call and its persist would leave it. */
async function rewind(harness: Harness, job: Job, state: JobState, data: Partial<Job['data']>): Promise<Job> {
  return harness.store.saveJob({
    ...job,
    state,
    data: { ...job.data, ...data },
    nextRunAt: harness.clock.now(),
    reason: undefined,
  });
}

describe('re-running stages', () => {
  it('mirror polls only the regions whose copy is not known to be available', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const published = await h.job(created.id);
    const regions = Object.keys(published.data.mirroredAmis);
    expect(published.data.mirrorsReady?.sort()).toEqual([...regions].sort());

    const describeImages = vi.spyOn(h.sim.clients('aws').ec2, 'describeImages');
    const allReady = await rewind(h, published, 'mirror', {});
    expect((await runStage(allReady, h.ctx))?.job.state).toBe('share');
    expect(describeImages).not.toHaveBeenCalled();

    const [unsure, ...known] = regions;
    const oneUnsure = await rewind(h, await h.job(created.id), 'mirror', { mirrorsReady: known });
    const result = await runStage(oneUnsure, h.ctx);
    expect(result?.job.state).toBe('share');
    expect(describeImages.mock.calls.map(([region]) => region)).toEqual([unsure]);
    expect(result?.job.data.mirrorsReady?.sort()).toEqual([...regions].sort());
  });

  it('mirror finds the copies an earlier run started instead of making second ones', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const published = await h.job(created.id);
    expect(published.state).toBe('published');
    const mirrorsBefore = h.sim.state().images.filter((i) => i.owner === internalAccount);
    const copies = h.sim.callCounts()['ec2:CopyImage'] ?? 0;

    // Forget the ids too, as a crash right after CopyImage would: asked again with the same ClientToken,
    // EC2 answers with the copy it made (the AWS adapter also looks for it by name first, for moto).
    const rewound = await rewind(h, published, 'mirror', { mirroredAmis: {}, mirroredSnapshots: {} });
    const found = await runStage(rewound, h.ctx);
    expect(found?.job.state).toBe('mirror');
    expect(found?.job.data.mirroredAmis).toEqual(published.data.mirroredAmis);
    h.clock.advanceTo(found!.job.nextRunAt);
    const result = await runStage(found!.job, h.ctx);
    expect(result?.job.state).toBe('share');
    expect(result?.job.data.mirroredSnapshots).toEqual(published.data.mirroredSnapshots);
    expect(h.sim.callCounts()['ec2:CopyImage']).toBe(
      copies + Object.keys(published.data.mirroredAmis).length,
    );
    expect(h.sim.state().images.filter((i) => i.owner === internalAccount)).toHaveLength(
      mirrorsBefore.length,
    );
  });

  it('submit adopts the change set an earlier run started instead of starting a second one', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    // Run until the change set is started and the job waits in await.
    for (let i = 0; i < 50; i++) {
      await h.publishAll({ detach: true });
      if ((await h.job(created.id)).state === 'await') break;
      h.clock.advance(60_000);
    }
    const awaiting = await h.job(created.id);
    expect(awaiting.state).toBe('await');
    const firstId = awaiting.data.changeSetId;

    const rewound = await rewind(h, awaiting, 'submit', { changeSetId: undefined, changeSetName: undefined });
    const result = await runStage(rewound, h.ctx);
    expect(result?.job.state).toBe('await');
    expect(result?.job.data.changeSetId).toBe(firstId);
    expect(result?.note).toMatch(/from an earlier run/);
    expect(h.sim.callCounts()['aws-marketplace:StartChangeSet']).toBe(1);

    await h.publishAll();
    expect((await h.job(created.id)).state).toBe('published');
    expect(firstChangeTypes(h)).toEqual(['CreateProduct', 'UpdateVisibility']);
  });

  it('locks a product for pipeline.productLockSeconds, not for a job lease', async () => {
    h = await makeHarness({
      configure: (c) => void (c.pipeline = { ...c.pipeline, leaseSeconds: 0.5, productLockSeconds: 45 }),
    });
    const store = h.store;
    const productLocks: number[] = [];
    const tryLock = store.tryLock.bind(store);
    store.tryLock = (name, owner, ttlMs) => {
      if (name.startsWith('product ')) productLocks.push(ttlMs);
      return tryLock(name, owner, ttlMs);
    };
    await h.createJob(h.request());
    await h.publishAll();
    // submit, release and visibility each took it, and stillHeld renewed it before each start.
    expect(productLocks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(productLocks)).toEqual(new Set([45_000]));
  });

  it('submit after publication finds the version and submits nothing', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    await h.publishAll();
    const published = await h.job(created.id);
    const rewound = await rewind(h, published, 'submit', { changeSetId: undefined });
    const result = await runStage(rewound, h.ctx);
    expect(result?.job.state).toBe('await');
    expect(result?.job.data.changeSetId).toBe(published.data.changeSetId);
    expect(firstChangeTypes(h)).toEqual(['CreateProduct', 'UpdateVisibility']);
  });

  it('release and visibility follow the request an earlier run made instead of making another', async () => {
    h = await makeHarness();
    const created = await h.createJob(h.request());
    let job = await h.job(created.id);
    for (let i = 0; i < 200 && !(job.state === 'visibility' && job.data.visibilityChangeSetId); i++) {
      await h.publishAll({ detach: true });
      h.clock.advance(60_000);
      job = await h.job(created.id);
    }
    expect(job.state).toBe('visibility');
    // A crash after StartChangeSet but before the id was saved: the request is found by its name.
    const rewound = await rewind(h, job, 'visibility', { visibilityChangeSetId: undefined });
    const result = await runStage(rewound, h.ctx);
    expect(result?.job.data.visibilityChangeSetId).toBe(job.data.visibilityChangeSetId);
    // A job rewound to release finds the product released and starts nothing.
    const again = await runStage(
      await rewind(h, result!.job, 'release', { releaseChangeSetId: undefined }),
      h.ctx,
    );
    expect(again?.job.state).toBe('visibility');
    expect(again?.note).toMatch(/is Limited/);
    await h.publishAll();
    expect((await h.job(created.id)).state).toBe('published');
    expect(firstChangeTypes(h)).toEqual(['CreateProduct', 'UpdateVisibility']);
  });
});

/** What each change set of the simulated Marketplace did, by its first change. */
function firstChangeTypes(harness: Harness): string[] {
  return harness.sim.state().changeSets.map((c) => c.changes[0]!.changeType);
}
