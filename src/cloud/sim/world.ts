/**
 * Owns the world state: settles every time-driven transition up to now before a call looks at it (no
 * timers), and persists after mutations and whenever simulated time has moved. With a state file the
 * world is shared with every other process on it (persistence.ts), and so is simulated time: it never
 * goes back, and a virtual clock behind the world's catches up with it.
 */
import { ManualClock, type Clock } from '../../core/clock.js';
import { WorldFile } from './persistence.js';
import { sendChangeSetEnded, sendImageStateChange, type SimEventSettings } from './events.js';
import { emptyWorld, type SimChangeSet, type WorldState } from './world-state.js';

/** Applies (or fails) a change set whose APPLYING phase ended; called in chronological order. */
export type ChangeSetSettler = (state: WorldState, changeSet: SimChangeSet) => void;

type Operation<T> = (state: WorldState, nowMs: number) => T;

export class SimWorld {
  /** The world of an in-memory simulation (no state file). */
  private readonly memory: WorldState | undefined;
  private readonly file: WorldFile | undefined;
  /**
   * Per world object: nothing settles before this time, as the last scan found; forgotten when a mutation
   * or a settlement may have changed that. Every call settles first, and scanning the whole world each
   * time cost the simulated AWS more CPU than anything it simulates.
   */
  private readonly quietUntil = new WeakMap<WorldState, number>();

  constructor(
    private readonly clock: Clock,
    stateFile: string | undefined,
    private readonly settleChangeSet: ChangeSetSettler,
    /** The AWS events settling sends (events.ts). */
    readonly events: SimEventSettings = { enabled: false, dropRate: 0, seed: 1 },
  ) {
    if (stateFile === undefined) this.memory = emptyWorld(clock.now().getTime());
    else this.file = new WorldFile(stateFile, () => clock.now().getTime());
  }

  /** Runs a read-only operation against the world as of now. */
  read<T>(operation: Operation<T>): T {
    return this.access(operation, false);
  }

  /** Runs a mutation and makes it durable before returning. */
  mutate<T>(operation: Operation<T>): T {
    return this.access(operation, true);
  }

  /** Looks at the world as stored, before time settles anything and without writing. */
  peek<T>(operation: (state: WorldState) => T): T {
    if (this.memory) return operation(this.memory);
    return (this.file as WorldFile).transact((state) => operation(state));
  }

  /** Persists the current simulated time. */
  flush(): void {
    this.access(() => undefined, false);
  }

  close(): void {
    this.file?.close();
  }

  private access<T>(operation: Operation<T>, mutates: boolean): T {
    if (this.memory) return this.run(this.memory, operation, mutates, () => undefined);
    return (this.file as WorldFile).transact((state, save) => this.run(state, operation, mutates, save));
  }

  private run<T>(
    state: WorldState,
    operation: Operation<T>,
    mutates: boolean,
    save: (what: 'world' | 'clock') => void,
  ): T {
    const now = Math.max(this.clock.now().getTime(), state.clockMs);
    // Another process moved simulated time on: this process's virtual clock follows.
    if (this.clock instanceof ManualClock) this.clock.advanceTo(now);
    const settled = this.settle(state, now);
    const moved = now !== state.clockMs;
    state.clockMs = now;
    try {
      return operation(state, now);
    } finally {
      if (mutates) this.quietUntil.delete(state);
      // A read that only let time pass writes the time, not the whole world again.
      if (mutates || settled) save('world');
      else if (moved) save('clock');
    }
  }

  /**
   * Image copies finish and change sets complete in the order they would have in real time. True when
   * anything changed.
   */
  private settle(state: WorldState, now: number): boolean {
    if (now < (this.quietUntil.get(state) ?? -Infinity)) return false;
    const events: Array<{ at: number; order: number; run: () => void }> = [];
    let next = Infinity;
    for (const image of Object.values(state.images)) {
      if (image.state !== 'pending' || image.settlesAt === undefined) continue;
      if (image.settlesAt > now) next = Math.min(next, image.settlesAt);
      else {
        const event = {
          at: image.settlesAt,
          order: 0,
          run: () => {
            image.state = image.settlesTo ?? 'available';
            if (image.settleReason !== undefined) image.stateReason = image.settleReason;
            delete image.settlesAt;
            delete image.settlesTo;
            delete image.settleReason;
            sendImageStateChange(state, image, event.at, this.events);
          },
        };
        events.push(event);
      }
    }
    for (const changeSet of Object.values(state.changeSets)) {
      if (changeSet.status !== 'PREPARING' && changeSet.status !== 'APPLYING') continue;
      if (changeSet.endAt > now) next = Math.min(next, changeSet.endAt);
      else {
        events.push({
          at: changeSet.endAt,
          order: 1 + changeSet.seq,
          run: () => {
            this.settleChangeSet(state, changeSet);
            sendChangeSetEnded(state, changeSet, changeSet.endAt, this.events);
          },
        });
      }
    }
    if (events.length === 0) {
      this.quietUntil.set(state, next);
      return false;
    }
    this.quietUntil.delete(state);
    events.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const event of events) event.run();
    return true;
  }
}
