import type { CompiledQuery } from 'kysely';
import { InternalError } from '../core/errors.js';

/** Stands for one of a call's values while a prepared query is built; never reaches the database. */
class Slot {
  constructor(
    readonly name: string,
    readonly index?: number,
  ) {}
}

/** Placeholders for a prepared query's build: `one(name)` for a value, `list(name, n)` for an `in (...)` list. */
export interface Slots {
  one<T>(name: string): T;
  list<T>(name: string, length: number): T[];
}

const slots: Slots = {
  one: <T>(name: string) => new Slot(name) as unknown as T,
  list: <T>(name: string, length: number) =>
    Array.from({ length }, (_, i) => new Slot(name, i) as unknown as T),
};

/** Distinct shapes kept compiled; past this the cache starts over (list lengths vary from call to call). */
const maxShapes = 256;

/**
 * Queries the scheduler runs on every step (claim, outlook, save), built with Kysely once per shape and
 * then run with each call's values: building them every time cost more CPU than the database spent
 * running them. The build sees placeholders where the call's values go, so the SQL text depends only on
 * the shape; any other value in it (a constant list, a null) stays as compiled.
 */
export class PreparedQueries {
  private readonly compiled = new Map<string, CompiledQuery>();

  /**
   * The query of `shape` with `values` bound. `build` must give the same SQL for the same shape, and
   * use every value through `slots` (a value built in directly would be reused for every later call).
   */
  bind<R>(
    shape: string,
    build: (slots: Slots) => { compile(): CompiledQuery<R> },
    values: Record<string, unknown>,
  ): CompiledQuery<R> {
    let compiled = this.compiled.get(shape);
    if (compiled === undefined) {
      if (this.compiled.size >= maxShapes) this.compiled.clear();
      compiled = build(slots).compile();
      this.compiled.set(shape, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? valueOf(p, values) : p));
    return { ...compiled, parameters } as CompiledQuery<R>;
  }
}

function valueOf(slot: Slot, values: Record<string, unknown>): unknown {
  if (!(slot.name in values)) throw new InternalError(`prepared query: no value for ${slot.name}`);
  const value = values[slot.name];
  return slot.index === undefined ? value : (value as readonly unknown[])[slot.index];
}
