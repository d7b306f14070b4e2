import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { readSimClock } from '../../../src/cloud/sim/index.js';
import { changeSetSeconds, listableAmi, makeSim, newProductChanges } from './sim-fixture.js';

describe('simulated cloud persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a second instance on the same state file continue the same world and timeline', async () => {
    const stateFile = join(dir, 'cloud.json');
    expect(readSimClock(stateFile)).toBeUndefined();
    const first = makeSim({ stateFile });
    const amiId = await listableAmi(first.cloud, first.clock);
    const { changeSetId } = await first.cloud.clients('aws').catalog.startChangeSet({
      changes: newProductChanges('Fedora 41 Cloud Base Images (x86_64) HVM', '41.1.4', amiId),
      changeSetName: 'create',
      clientRequestToken: 'create',
    });
    // No close(): every mutation must already be on disk, as after a SIGKILL.
    const savedAt = readSimClock(stateFile);
    expect(savedAt).toBe(first.clock.now().getTime());
    expect(readdirSync(dir)).toEqual(['cloud.json']);

    const clock = new ManualClock(savedAt);
    const second = makeSim({ stateFile, clock });
    const { ec2, catalog } = second.cloud.clients('aws');
    const [image] = await ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [amiId] });
    expect(image?.state).toBe('available');
    expect(await ec2.describeImageLaunchPermission('us-east-1', amiId)).toHaveLength(2);
    expect((await catalog.describeChangeSet(changeSetId)).status).toBe('PREPARING');
    clock.advance(changeSetSeconds * 1000);
    expect((await catalog.describeChangeSet(changeSetId)).status).toBe('SUCCEEDED');
    // A read that moved simulated time persists the new time for the next process.
    expect(readSimClock(stateFile)).toBe(clock.now().getTime());

    const third = makeSim({ stateFile, clock: new ManualClock(readSimClock(stateFile)) });
    expect(third.cloud.state().changeSets[0]).toMatchObject({ id: changeSetId, status: 'SUCCEEDED' });
    expect(third.cloud.state().products).toHaveLength(1);
  });
});
