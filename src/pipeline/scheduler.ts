import type { ManualClock } from '../core/clock.js';
import type { PipelineContext } from './context.js';
import { isTerminal, type Job } from '../core/model/job.js';
import type { WorkOutlook } from '../store/store.js';
import { runStage } from './runner.js';
import { isGoneLocalHolder } from './worker.js';

export interface SchedulerOptions {
  /** Sandbox: when every job waits, jump this clock to the next wake-up instead of sleeping. */
  virtualClock?: ManualClock;
  /** Called after every persisted step (progress display, metrics). */
  onStep?: (job: Job, previous: Job, note: string) => void;
  /**
   * Sandbox: the AWS events the simulated cloud will send. The virtual clock stops at the next one
   * instead of jumping past it, and they are handled (jobs woken) before anything else runs.
   */
  events?: { nextEventAt(): Date | undefined; drain(): Promise<void> };
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
 * While another worker holds jobs, a sandbox scheduler looks again this often (wall time) instead of
 * jumping its virtual clock past work that is still running elsewhere.
 */
const busyLookMs = 100;

/**
 * Drives jobs through their stages with bounded concurrency. Jobs come from the store by lease
 * (JobStore.claimDue), so several schedulers, in one process or many, never run the same job at once;
 * each job runs stage after stage until it must wait, then goes back to the store. Waiting jobs cost
 * nothing until their persisted wake-up time, and whichever worker is free then takes them.
 */
export class Scheduler {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Running jobs the last lease renewal did not find held (see renewLeases). */
  private readonly missedOnce = new Set<string>();
  private wakeUp: (() => void) | undefined;
  /** A wake() that came while nobody waited: the next wait returns at once instead of missing it. */
  private wakePending = false;
  /**
   * A step that could not even be stored (the store failed: disk full, read-only, database gone). The
   * run stops and settle() rejects with it: no job can make progress until the cause is fixed.
   */
  private failure: { error: unknown } | undefined;
  /** Stopping (abort, failure): running jobs finish their current step and go back to the store. */
  private stopping = false;
  private readonly leaseMs: number;

  constructor(
    private readonly ctx: PipelineContext,
    private readonly options: SchedulerOptions = {},
  ) {
    this.leaseMs = ctx.config.pipeline.leaseSeconds * 1000;
  }

  /** New work arrived (listen mode): look at the store again now. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wakePending = true;
  }

  /** Runs until the selected jobs are all terminal (or, with `detach`, until none is due). */
  async settle(options: SettleOptions = {}): Promise<void> {
    const { store, clock } = this.ctx;
    // A killed process on this machine left leases behind: its jobs need not wait for them to expire.
    await store.releaseGoneHolders(isGoneLocalHolder);
    const renewal = setInterval(() => void this.renewLeases(), this.leaseMs / 3);
    renewal.unref();
    try {
      for (;;) {
        if (options.signal?.aborted || this.failure) break;
        const free = this.ctx.config.pipeline.concurrency - this.inFlight.size;
        if (free > 0) this.start(await store.claimDue(this.ctx.worker, clock.now(), this.leaseMs, free));
        // What runs now is what the outlook leaves out; a job that ends meanwhile has called wake().
        const running = [...this.inFlight.keys()];
        const outlook = await store.outlook(options.ids, running);
        if (running.length > 0) {
          // Running jobs wake the loop when they stop; only the others' stored times need a timer, and
          // none while every slot is taken: nothing could start before a running job ends anyway.
          const saturated = running.length >= this.ctx.config.pipeline.concurrency;
          await this.nextEvent(saturated ? undefined : this.lookAgainIn(outlook), options.signal);
          continue;
        }
        if (outlook.dueAt === undefined && outlook.heldUntil === undefined) {
          if (!options.forever) break; // everything selected is terminal or parked (woken by the store)
          await this.nextEvent(this.idleLookIn(outlook), options.signal);
          continue;
        }
        if (outlook.dueAt !== undefined && outlook.dueAt.getTime() <= clock.now().getTime()) continue;
        if (options.detach) break;
        if (outlook.busyUntil === undefined && this.options.virtualClock && outlook.dueAt) {
          await this.advanceVirtualClock(this.options.virtualClock, outlook.dueAt);
        } else {
          await this.nextEvent(
            options.forever ? this.idleLookIn(outlook) : this.lookAgainIn(outlook),
            options.signal,
          );
        }
      }
      // On abort (or a failing store), running jobs end their current step and return to the store.
      this.stopping = options.signal?.aborted === true || this.failure !== undefined;
      await Promise.all(this.inFlight.values());
    } finally {
      clearInterval(renewal);
    }
    if (this.failure) throw this.failure.error;
  }

  /** Jumps to the next due job, or to the next simulated AWS event when it comes first, and handles it. */
  private async advanceVirtualClock(clock: ManualClock, dueAt: Date): Promise<void> {
    const events = this.options.events;
    const eventAt = events?.nextEventAt();
    clock.advanceTo(eventAt && eventAt < dueAt ? eventAt : dueAt);
    await events?.drain();
  }

  private start(claimed: Job[]): void {
    for (const job of claimed) {
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

  /** One job, stage after stage, for as long as it has work due now; then back to the store. */
  private async runJob(job: Job): Promise<void> {
    let released = false;
    try {
      let current: Job | undefined = job;
      while (
        current &&
        !released &&
        !this.stopping &&
        !isTerminal(current.state) &&
        current.nextRunAt.getTime() <= this.ctx.clock.now().getTime()
      ) {
        const previous: Job = current;
        const result = await runStage(previous, this.ctx);
        current = result?.job;
        released = result?.released === true;
        if (result) this.options.onStep?.(result.job, previous, result.note);
      }
    } finally {
      // A step that waits gave the lease back as it saved; otherwise (stopping, another worker's change,
      // an error) it is given back here. An unreleased lease only delays the job until it expires.
      if (!released)
        await this.ctx.store
          .releaseJob(this.ctx.worker, job.id)
          .catch((error: unknown) =>
            this.ctx.logger.warn({ job: job.id, err: String(error) }, 'lease release failed'),
          );
    }
  }

  /**
   * Keeps the leases of running jobs alive; a lost one is logged (its steps are idempotent either way).
   * A step that waits gives its lease back as it saves, and the job leaves the running set a moment
   * later: a renewal in between misses it. So a lease counts as lost only when two renewals in a row
   * miss a job that is still running.
   */
  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    for (const id of this.missedOnce) if (!this.inFlight.has(id)) this.missedOnce.delete(id);
    if (ids.length === 0) return;
    try {
      const held = new Set(await this.ctx.store.renewLeases(this.ctx.worker, ids, this.leaseMs));
      for (const id of ids) {
        if (held.has(id) || !this.inFlight.has(id)) this.missedOnce.delete(id);
        else if (!this.missedOnce.has(id)) this.missedOnce.add(id);
        else
          this.ctx.logger.warn(
            { job: id, worker: this.ctx.worker },
            'lease lost: another worker may run this job',
          );
      }
    } catch (error) {
      this.ctx.logger.warn({ err: String(error) }, 'lease renewal failed; will try again');
    }
  }

  /**
   * Wall milliseconds until the loop should look at the store by itself; undefined when only an event
   * (a job finishing, wake(), abort) can change anything. While other workers hold jobs, it looks again
   * every image poll interval (they give jobs back with waits it cannot see coming; one may have died),
   * in the sandbox every `busyLookMs`; a stored wake-up time needs a timer only on real time (virtual
   * time jumps instead).
   */
  private lookAgainIn(outlook: WorkOutlook): number | undefined {
    const delays: number[] = [];
    if (outlook.busyUntil) {
      const look = this.options.virtualClock ? busyLookMs : this.ctx.config.pipeline.pollSeconds.image * 1000;
      delays.push(Math.min(look, outlook.busyUntil.getTime() - Date.now()));
    }
    if (outlook.dueAt && !this.options.virtualClock)
      delays.push(outlook.dueAt.getTime() - this.ctx.clock.now().getTime());
    return delays.length > 0 ? Math.max(0, Math.min(...delays)) : undefined;
  }

  /**
   * A service (forever) also looks at least every image poll interval: another process may store a job
   * it never announces to this one (a worker that died between storing a job and taking it, a job woken
   * by saving it due now).
   */
  private idleLookIn(outlook: WorkOutlook): number {
    return Math.min(this.lookAgainIn(outlook) ?? Infinity, this.ctx.config.pipeline.pollSeconds.image * 1000);
  }

  /** Resolves when an in-flight job finishes, `wake()` is called, `delayMs` passes, or on abort. */
  private async nextEvent(delayMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
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
      if (delayMs !== undefined) timer = setTimeout(done, delayMs);
    });
  }
}
