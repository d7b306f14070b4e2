/**
 * Group commit for the bus intake. Every delivery's decision must be durable before its ack, and with
 * SQLite each commit is a disk sync; the decisions of one prefetch window arrive together, so their
 * intake records are written in one transaction and every handler resumes (and acks) after it.
 */
import type { IntakeRecord, JobStore } from '../store/store.js';

interface Pending {
  record: IntakeRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Outcomes that make a message id "seen" (as JobStore.hasMessage counts them). */
const seenOutcomes = new Set<IntakeRecord['outcome']>(['accepted', 'duplicate', 'skipped']);

export class IntakeBatcher {
  private pending: Pending[] = [];
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

  /** True when a record for this message id waits in the batch (a redelivery in the same window). */
  pendingMessage(messageId: string): boolean {
    return this.pending.some((p) => p.record.messageId === messageId && seenOutcomes.has(p.record.outcome));
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
      if (property === 'hasMessage') {
        return async (messageId: string) =>
          batcher.pendingMessage(messageId) || (await target.hasMessage(messageId));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
