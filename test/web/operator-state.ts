/**
 * A state directory as an operator would find it after some days of work: one image published, one
 * whose change set AWS refused (CLIENT_ERROR with its ErrorDetailList), one still waiting for its copy,
 * and a rejected message in the quarantine. Made by the real pipeline on the simulated cloud.
 */
import { makeHarness } from '../pipeline/harness.js';

export interface OperatorState {
  dir: string;
  /** The pipeline's clock when the state was left. */
  now: Date;
  ids: { published: string; failed: string; waiting: string };
  rejectedMessageId: string;
}

export async function operatorState(dir: string): Promise<OperatorState> {
  const world = await makeHarness({ dir });
  try {
    const published = await world.createJob(world.request({ release: 41, arch: 'x86_64', label: '1.4' }));
    await world.publishAll();

    // The simulated Marketplace accepts the sandbox's ingestion role only: this configuration names
    // another, so AWS refuses the change set with CLIENT_ERROR.
    const refused = await makeHarness({
      configure: (c) =>
        void (c.partitions!.aws!.marketplace!.accessRoleArn = 'arn:aws:iam::444455556666:role/SomethingElse'),
      sim: world.sim,
      clock: world.clock,
      store: world.store,
      dir,
    });
    const failed = await refused.createJob(refused.request({ release: 40, arch: 'x86_64', label: '1.14' }));
    await refused.publishAll();

    // A fresh image: its copy takes 30 simulated minutes, so it is left waiting in mirror.
    const waiting = await world.createJob(world.request({ release: 42, arch: 'arm64', label: '1.1' }));
    await world.publishAll({ detach: true });

    const rejectedMessageId = 'c3f8e1d2-0000-4000-8000-000000000042';
    await world.store.recordIntake({
      at: world.clock.now(),
      source: 'bus',
      outcome: 'rejected',
      reason:
        'message c3f8e1d2 on org.fedoraproject.prod.fedora_image_uploader.published.v1.aws: the body is not JSON',
      messageId: rejectedMessageId,
      topic: 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws',
      payload: '{"architecture": "x86_64", "compose_id": ',
    });

    for (const [id, state] of [
      [published.id, 'published'],
      [failed.id, 'failed'],
      [waiting.id, 'mirror'],
    ] as const) {
      const job = await world.job(id);
      if (job.state !== state)
        throw new Error(`fixture: ${id} is ${job.state} (${job.reason}), not ${state}`);
    }
    return {
      dir,
      now: world.clock.now(),
      ids: { published: published.id, failed: failed.id, waiting: waiting.id },
      rejectedMessageId,
    };
  } finally {
    await world.close();
  }
}
