/**
 * Group commit for the bus intake. Every delivery's decision must be durable before its ack, and with
 * SQLite each commit is a disk sync; the decisions of one prefetch window arrive together, so their
 * intake records are written in one transaction and every handler resumes (and acks) after it.
 */
import type { IntakeRecord, IntakeRef, JobStore } from '../store/store.js';

interface Pending {
  record: IntakeRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Outcomes that make a message id "seen" (as JobStore.hasMessage counts them). */
const seenOutcomes: IntakeRecord['outcome'][] = ['accepted', 'duplicate'];

interface Lookup {
  messageId: string;
  resolve: (seen: boolean) => void;
  reject: (error: unknown) => void;
}

export class IntakeBatcher {
  private pending: Pending[] = [];
  private lookups: Lookup[] = [];
  private lookupScheduled = false;
  private scheduled = false;
  private flushing = false;

  constructor(private readonly store: JobStore) {}

  /** Resolves once the record is committed (with the others of its batch). */
  record(record: IntakeRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** True when a record for this input waits in the batch (a redelivery in the same window). */
  pendingIntake(ref: IntakeRef, outcomes: IntakeRecord['outcome'][]): boolean {
    return this.pending.some(
      ({ record }) =>
        outcomes.includes(record.outcome) &&
        (ref.messageId !== undefined ? record.messageId === ref.messageId : record.digest === ref.digest),
    );
  }

  pendingMessage(messageId: string): boolean {
    return this.pendingIntake({ messageId }, seenOutcomes);
  }

  /** JobStore.hasIntake, also counting the records still waiting in the batch. */
  async hasIntake(ref: IntakeRef, outcomes: IntakeRecord['outcome'][]): Promise<boolean> {
    return this.pendingIntake(ref, outcomes) || (await this.store.hasIntake(ref, outcomes));
  }

  /** JobStore.hasMessage, answered for every handler of the window with one query. */
  hasMessage(messageId: string): Promise<boolean> {
    if (this.pendingMessage(messageId)) return Promise.resolve(true);
    if (!this.store.seenMessages) return this.store.hasMessage(messageId);
    return new Promise<boolean>((resolve, reject) => {
      this.lookups.push({ messageId, resolve, reject });
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
      const seen = (await this.store.seenMessages?.(lookups.map((l) => l.messageId))) ?? new Set<string>();
      for (const l of lookups) l.resolve(seen.has(l.messageId) || this.pendingMessage(l.messageId));
    } catch (error) {
      for (const l of lookups) l.reject(error);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // After the handlers already running have reached their record() call.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = true;
    try {
      const records = batch.map((p) => p.record);
      if (this.store.recordIntakes) await this.store.recordIntakes(records);
      else for (const record of records) await this.store.recordIntake(record);
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
}

/** `store` with intake records going through `batcher`; every other method is the store's own. */
export function withBatchedIntake(store: JobStore, batcher: IntakeBatcher): JobStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'recordIntake') return (record: IntakeRecord) => batcher.record(record);
      if (property === 'hasMessage') return (messageId: string) => batcher.hasMessage(messageId);
      if (property === 'hasIntake')
        return (ref: IntakeRef, outcomes: IntakeRecord['outcome'][]) => batcher.hasIntake(ref, outcomes);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
