/**
 * Group commit for the bus intake. A delivery is acked only once its decision is durable, and with
 * SQLite each commit is a disk sync. The deliveries of one prefetch window arrive together, so every
 * decision they lead to (new jobs, duplicates, skips, quarantines) is written in one transaction and
 * every handler resumes (and acks) after it. If that transaction fails, nothing of the window is written
 * and every handler of it fails, so its deliveries are requeued. Their lookups in the intake log share
 * one query the same way.
 */
import type { IntakeEntry, IntakeRecord, JobIntakeResult, JobStore } from '../store/store.js';

type Outcome = IntakeRecord['outcome'];

interface Pending {
  entry: IntakeEntry;
  resolve: (result: JobIntakeResult | undefined) => void;
  reject: (error: unknown) => void;
}

interface Lookup {
  messageIds: string[];
  resolve: (found: Map<string, Set<Outcome>>) => void;
  reject: (error: unknown) => void;
}

export class IntakeBatcher {
  private pending: Pending[] = [];
  private lookups: Lookup[] = [];
  private lookupScheduled = false;
  private commitScheduled = false;
  /** The window handed to the store and not yet durable: a lookup meanwhile must still count it. */
  private committing: Pending[] | undefined;

  /** `windowSize`: the consumer's prefetch, the most deliveries that can wait for one commit. */
  constructor(
    private readonly store: JobStore,
    private readonly windowSize = 0,
  ) {}

  /** JobStore.commitIntake, resolved once the entries are committed with the rest of their window. */
  commit(entries: IntakeEntry[]): Promise<Array<JobIntakeResult | undefined>> {
    const results = Promise.all(
      entries.map(
        (entry) =>
          new Promise<JobIntakeResult | undefined>((resolve, reject) => {
            this.pending.push({ entry, resolve, reject });
          }),
      ),
    );
    this.scheduleCommit();
    return results;
  }

  /**
   * JobStore.intakeOutcomes, answered for every handler of the window with one query, and counting
   * the entries still waiting for their commit (a message announced twice in one window).
   */
  intakeOutcomes(messageIds: string[]): Promise<Map<string, Set<Outcome>>> {
    return new Promise((resolve, reject) => {
      this.lookups.push({ messageIds, resolve, reject });
      if (this.lookupScheduled) return;
      this.lookupScheduled = true;
      setImmediate(() => void this.lookUp());
    });
  }

  private async lookUp(): Promise<void> {
    const lookups = this.lookups;
    this.lookups = [];
    this.lookupScheduled = false;
    try {
      const stored = await this.store.intakeOutcomes([...new Set(lookups.flatMap((l) => l.messageIds))]);
      const waiting = this.pendingOutcomes();
      for (const l of lookups) {
        const found = new Map<string, Set<Outcome>>();
        for (const id of l.messageIds) {
          const outcomes = new Set([...(stored.get(id) ?? []), ...(waiting.get(id) ?? [])]);
          if (outcomes.size > 0) found.set(id, outcomes);
        }
        l.resolve(found);
      }
    } catch (error) {
      for (const l of lookups) l.reject(error);
    }
  }

  /** What the waiting entries will record per message id; a job entry is at least a duplicate. */
  private pendingOutcomes(): Map<string, Set<Outcome>> {
    const outcomes = new Map<string, Set<Outcome>>();
    for (const { entry } of [...(this.committing ?? []), ...this.pending]) {
      const id = entry.record.messageId;
      if (id === undefined) continue;
      const set = outcomes.get(id) ?? new Set();
      set.add(entry.job === undefined ? entry.record.outcome : 'duplicate');
      outcomes.set(id, set);
    }
    return outcomes;
  }

  private scheduleCommit(): void {
    if (this.commitScheduled || this.committing) return;
    this.commitScheduled = true;
    // After the handlers already running have reached their commit() call. While more keep arriving
    // turn after turn, up to half the prefetch window is gathered: fewer commits, while the broker
    // still refills the other half (waiting for a whole window was measured slower: the broker
    // sends only what was acked).
    const gather = (size: number) =>
      setImmediate(() => {
        const growing = this.pending.length > size;
        if (growing && this.pending.length < this.windowSize / 2) return gather(this.pending.length);
        this.commitScheduled = false;
        void this.commitWindow();
      });
    gather(0);
  }

  private async commitWindow(): Promise<void> {
    const window = this.pending;
    this.pending = [];
    this.committing = window;
    try {
      const results = await this.store.commitIntake(window.map((p) => p.entry));
      window.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of window) p.reject(error);
    } finally {
      this.committing = undefined;
      if (this.pending.length > 0) this.scheduleCommit();
    }
  }
}

/** `store` with intake writes and lookups going through `batcher`; every other method is the store's own. */
export function withBatchedIntake(store: JobStore, batcher: IntakeBatcher): JobStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'commitIntake') return (entries: IntakeEntry[]) => batcher.commit(entries);
      if (property === 'recordIntake')
        return async (record: IntakeRecord) => void (await batcher.commit([{ record }]));
      if (property === 'intakeOutcomes') return (ids: string[]) => batcher.intakeOutcomes(ids);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
