import type { ManualClock } from '../core/clock.js';
import type { PipelineContext } from './context.js';
import { isTerminal, type Job } from '../core/model/job.js';
import { runStage } from './runner.js';

export interface SchedulerOptions {
  /** Sandbox: when every job waits, jump this clock to the next wake-up instead of sleeping. */
  virtualClock?: ManualClock;
  /** Called after every persisted step (progress display, metrics). */
  onStep?: (job: Job, previous: Job, note: string) => void;
}

export interface SettleOptions {
  /**
   * Wait for these jobs; default every non-terminal job in the store. Other jobs that fall due meanwhile
   * are run too, so any command continues an interrupted run.
   */
  ids?: string[];
  /** Return as soon as nothing is due now (the waits stay persisted for `resume`). */
  detach?: boolean;
  /** Keep running when nothing is left, until `signal` aborts; `wake()` brings new jobs in (listen). */
  forever?: boolean;
  signal?: AbortSignal;
}

/**
 * Drives jobs through their stages with bounded concurrency. Each job runs stage after stage until it
 * must wait; waiting jobs cost nothing until their persisted wake-up time.
 */
export class Scheduler {
  private readonly inFlight = new Map<string, Promise<void>>();
  private wakeUp: (() => void) | undefined;
  /** A wake() that came while nobody waited: the next wait returns at once instead of missing it. */
  private wakePending = false;
  /**
   * A step that could not even be stored (the store failed: disk full, read-only, database gone). The
   * run stops and settle() rejects with it: no job can make progress until the cause is fixed.
   */
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly ctx: PipelineContext,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** New work arrived (listen mode): look at the store again now. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakePending = true;
  }

  /** Runs until the selected jobs are all terminal (or, with `detach`, until none is due). */
  async settle(options: SettleOptions = {}): Promise<void> {
    const { store, clock } = this.ctx;
    for (;;) {
      if (options.signal?.aborted || this.failure) break;
      // Only as many as there are free slots, and none already running: rows are parsed, so keep them few.
      const free = this.ctx.config.pipeline.concurrency - this.inFlight.size;
      this.startDue(await store.dueJobs(clock.now(), free, [...this.inFlight.keys()]));
      if (this.inFlight.size > 0) {
        // Running jobs wake the loop when they stop; only the others' stored times need a timer.
        await this.nextEvent(await store.nextWakeAt(options.ids, [...this.inFlight.keys()]), options.signal);
        continue;
      }
      const wake = await store.nextWakeAt(options.ids);
      if (!wake) {
        if (!options.forever) break; // everything selected is terminal
        await this.nextEvent(undefined, options.signal);
        continue;
      }
      if (wake.getTime() <= clock.now().getTime()) continue;
      if (options.detach) break;
      if (this.options.virtualClock) this.options.virtualClock.advanceTo(wake);
      else await this.nextEvent(wake, options.signal);
    }
    await Promise.all(this.inFlight.values());
    if (this.failure) throw this.failure.error;
  }

  private startDue(due: Job[]): void {
    const limit = this.ctx.config.pipeline.concurrency;
    for (const job of due) {
      if (this.inFlight.size >= limit) return;
      if (this.inFlight.has(job.id)) continue;
      const run = this.runJob(job)
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.inFlight.delete(job.id);
          this.wake();
        });
      this.inFlight.set(job.id, run);
    }
  }

  /** One job, stage after stage, for as long as it has work due now. */
  private async runJob(job: Job): Promise<void> {
    let current: Job | undefined = job;
    while (
      current &&
      !isTerminal(current.state) &&
      current.nextRunAt.getTime() <= this.ctx.clock.now().getTime()
    ) {
      const previous: Job = current;
      const result = await runStage(previous, this.ctx);
      current = result?.job;
      if (result) this.options.onStep?.(result.job, previous, result.note);
    }
  }

  /** Resolves when an in-flight job finishes, `wake()` is called, the wake time passes, or on abort. */
  private async nextEvent(wake: Date | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      signal?.addEventListener('abort', done, { once: true });
      // Virtual time never sleeps: in-flight work finishing is the only event worth waiting for.
      if (wake && !this.options.virtualClock) {
        timer = setTimeout(done, Math.max(0, wake.getTime() - this.ctx.clock.now().getTime()));
      }
    });
  }
}
