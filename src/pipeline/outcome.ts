import type { JobData, JobState } from '../core/model/job.js';

/**
 * What a stage decided. Stages never sleep: a wait is returned as data and persisted, so a restart
 * resumes exactly where the last run stopped (DESIGN invariant 4).
 */
export type StepOutcome =
  /** `until`: the next stage's first run is a wait, not now (it waits for what this stage started). */
  | { kind: 'advance'; to: JobState; patch?: Partial<JobData>; note: string; until?: Date }
  | { kind: 'wait'; until: Date; patch?: Partial<JobData>; note: string; retry?: boolean }
  | { kind: 'fail'; reason: string; patch?: Partial<JobData> };

export const advance = (to: JobState, note: string, patch?: Partial<JobData>): StepOutcome => ({
  kind: 'advance',
  to,
  note,
  ...(patch ? { patch } : {}),
});

export const wait = (until: Date, note: string, patch?: Partial<JobData>): StepOutcome => ({
  kind: 'wait',
  until,
  note,
  ...(patch ? { patch } : {}),
});

export const fail = (reason: string, patch?: Partial<JobData>): StepOutcome => ({
  kind: 'fail',
  reason,
  ...(patch ? { patch } : {}),
});
