/**
 * Owns the world state: settles every time-driven transition up to `clock.now()` before a call looks
 * at it (no timers), and persists after mutations and whenever simulated time has moved.
 */
import type { Clock } from '../../core/clock.js';
import { loadWorld, saveWorld } from './persistence.js';
import type { SimChangeSet, WorldState } from './world-state.js';

/** Applies (or fails) a change set whose APPLYING phase ended; called in chronological order. */
export type ChangeSetSettler = (state: WorldState, changeSet: SimChangeSet) => void;

export class SimWorld {
  readonly state: WorldState;

  constructor(
    private readonly clock: Clock,
    private readonly stateFile: string | undefined,
    private readonly settleChangeSet: ChangeSetSettler,
  ) {
    this.state = loadWorld(stateFile, clock.now().getTime());
  }

  nowMs(): number {
    return this.clock.now().getTime();
  }

  /** Runs a read-only operation against the world as of now. */
  read<T>(operation: (state: WorldState, nowMs: number) => T): T {
    const now = this.nowMs();
    this.settle(now);
    const result = operation(this.state, now);
    if (now !== this.state.clockMs) this.persist(now);
    return result;
  }

  /** Runs a mutation and makes it durable before returning. */
  mutate<T>(operation: (state: WorldState, nowMs: number) => T): T {
    const now = this.nowMs();
    this.settle(now);
    try {
      return operation(this.state, now);
    } finally {
      this.persist(now);
    }
  }

  flush(): void {
    this.persist(this.nowMs());
  }

  private persist(now: number): void {
    this.state.clockMs = now;
    if (this.stateFile !== undefined) saveWorld(this.stateFile, this.state);
  }

  /** Image copies finish and change sets complete in the order they would have in real time. */
  private settle(now: number): void {
    const events: Array<{ at: number; order: number; run: () => void }> = [];
    for (const image of Object.values(this.state.images)) {
      if (image.state === 'pending' && image.settlesAt !== undefined && image.settlesAt <= now) {
        events.push({
          at: image.settlesAt,
          order: 0,
          run: () => {
            image.state = image.settlesTo ?? 'available';
            if (image.settleReason !== undefined) image.stateReason = image.settleReason;
            delete image.settlesAt;
            delete image.settlesTo;
            delete image.settleReason;
          },
        });
      }
    }
    for (const changeSet of Object.values(this.state.changeSets)) {
      if ((changeSet.status === 'PREPARING' || changeSet.status === 'APPLYING') && changeSet.endAt <= now) {
        events.push({
          at: changeSet.endAt,
          order: 1 + changeSet.seq,
          run: () => this.settleChangeSet(this.state, changeSet),
        });
      }
    }
    events.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const event of events) event.run();
  }
}
