import type { JobStore } from '../store/store.js';

/** The store with every method call counted by name (how often the scheduler polls the database). */
export function countingStore(store: JobStore, counts: Record<string, number>): JobStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        counts[property] = (counts[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
