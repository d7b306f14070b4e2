import type { PipelineContext } from '../context.js';
import type { Job, Stage } from '../../core/model/job.js';
import type { StepOutcome } from '../outcome.js';
import { awaitStage } from './await.js';
import { describeStage } from './describe.js';
import { mirrorStage } from './mirror.js';
import { releaseStage } from './release.js';
import { shareStage } from './share.js';
import { ssmStage } from './ssm.js';
import { submitStage } from './submit.js';
import { verifyStage } from './verify.js';
import { visibilityStage } from './visibility.js';

export type StageRunner = (job: Job, ctx: PipelineContext) => Promise<StepOutcome>;

export const stageRunners: Record<Stage, StageRunner> = {
  verify: verifyStage,
  mirror: mirrorStage,
  share: shareStage,
  describe: describeStage,
  submit: submitStage,
  await: awaitStage,
  release: releaseStage,
  visibility: visibilityStage,
  ssm: ssmStage,
};
