import type { Job } from '../core/model/job.js';

/**
 * Human progress: one line per stage transition, and one per distinct wait (a long copy polled twenty
 * times prints once), so the output reads well on a terminal and in a CI log alike.
 */
export class ProgressPrinter {
  private readonly lastWait = new Map<string, string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => Date,
  ) {}

  step(job: Job, previous: Job, note: string): void {
    const time = this.now().toISOString().slice(0, 19).replace('T', ' ');
    if (job.state !== previous.state) {
      this.lastWait.delete(job.id);
      const mark = job.state === 'failed' ? 'FAIL' : job.state === 'published' ? 'DONE' : 'ok  ';
      this.write(`${time} ${mark} ${job.id} ${previous.state} -> ${job.state}: ${note}`);
      return;
    }
    // Poll results differ only in numbers; print a wait once until something else happens.
    const shape = note.replace(/\d+/g, '#');
    if (this.lastWait.get(job.id) === shape) return;
    this.lastWait.set(job.id, shape);
    this.write(`${time} wait ${job.id} ${job.state}: ${note}`);
  }
}
