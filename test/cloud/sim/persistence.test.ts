import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ConfigError } from '../../../src/core/errors.js';
import { readSimClock } from '../../../src/cloud/sim/index.js';
import { changeSetSeconds, listableAmi, makeSim, newProductChanges } from './sim-fixture.js';

describe('simulated cloud persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a second instance on the same state file continue the same world and timeline', async () => {
    const stateFile = join(dir, 'cloud.db');
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
    expect(readdirSync(dir)).toContain('cloud.db');

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

  it('shares one world between instances: no write is lost, and time never goes back', async () => {
    const stateFile = join(dir, 'shared.db');
    const a = makeSim({ stateFile, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    const b = makeSim({ stateFile, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    // Interleaved writes, as two processes on one sandbox make them: each sees the other's.
    for (let n = 0; n < 5; n++) {
      a.cloud.seedImage({ region: 'us-east-1', name: `a-${n}`, architecture: 'x86_64' });
      b.cloud.seedImage({ region: 'us-east-1', name: `b-${n}`, architecture: 'x86_64' });
    }
    const names = (cloud: typeof a.cloud) =>
      cloud
        .state()
        .images.map((i) => i.name)
        .sort();
    expect(names(a.cloud)).toHaveLength(10);
    expect(names(b.cloud)).toEqual(names(a.cloud));

    // A copy started by one instance finishes on the shared timeline: the other's virtual clock, behind,
    // catches up instead of taking the world back in time.
    const amiId = await listableAmi(a.cloud, a.clock, 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.9');
    const [image] = await b.cloud
      .clients('aws')
      .ec2.describeImages('us-east-1', { owners: ['self'], imageIds: [amiId] });
    expect(image?.state).toBe('available');
    expect(b.clock.now().getTime()).toBe(a.clock.now().getTime());
    await a.cloud.close();
    await b.cloud.close();
  });

  it('seeds what is asked within one turn in one write of the world; each caller gets its own images', async () => {
    const stateFile = join(dir, 'seeds.db');
    const { cloud } = makeSim({ stateFile });
    const generation = () => {
      const db = new Database(stateFile, { readonly: true });
      try {
        return (db.prepare('select generation from world').get() as { generation: number }).generation;
      } finally {
        db.close();
      }
    };
    cloud.seedImage({ region: 'us-east-1', name: 'before', architecture: 'x86_64' });
    const before = generation();
    const spec = (name: string, region = 'us-east-1') => ({ region, name, architecture: 'x86_64' as const });
    const asked = [[spec('a')], [spec('b'), spec('c', 'eu-west-1')], [spec('a')]];
    const results = await Promise.all(asked.map((specs) => cloud.seedImagesSoon(specs)));
    expect(generation()).toBe(before + 1);
    expect(results.map((r) => r.map((x) => [x.image.name, x.image.region, x.created]))).toEqual([
      [['a', 'us-east-1', true]],
      [
        ['b', 'us-east-1', true],
        ['c', 'eu-west-1', true],
      ],
      [['a', 'us-east-1', false]],
    ]);
    // The next turn is the next write; a region that does not exist is refused at once.
    await cloud.seedImagesSoon([spec('d')]);
    expect(generation()).toBe(before + 2);
    expect(() => cloud.seedImagesSoon([spec('e', 'mars-north-1')])).toThrow(/unknown region/);
    await cloud.close();
  });

  it('refuses a state file it cannot read, with the file and the fix', () => {
    const stateFile = join(dir, 'not-a-world.db');
    writeFileSync(stateFile, 'this is not a database, it is a text file that is long enough to be read');
    let error: unknown;
    try {
      makeSim({ stateFile }).cloud.state();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).describe()).toMatch(
      new RegExp(`not-a-world\\.db.*Fix: delete it to start a fresh sandbox`),
    );
  });
});
