/**
 * The simulated world on disk, shared by every process that uses one state directory (publish, resume,
 * listen, apply, sandbox serve): a SQLite file holding the world as one JSON row with a generation
 * number. Each call reads and writes the world inside one IMMEDIATE transaction, so two processes never
 * work on stale copies or overwrite each other's changes; the JSON is parsed again only when another
 * process changed it. WAL with synchronous=NORMAL: a process killed right after a call loses nothing.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { emptyWorld, type WorldState } from './world-state.js';

export class WorldFile {
  private readonly db: Database.Database;
  private cached: { generation: number; state: WorldState } | undefined;

  constructor(
    private readonly file: string,
    /** The clock of a world that does not exist yet. */
    private readonly startMs: () => number,
  ) {
    this.db = openWorldFile(file, false);
  }

  /**
   * Runs `use` on the current world while holding the file's write lock. `use` calls `save` for every
   * change it wants kept (also when it fails halfway: what it changed in memory must reach the file);
   * `save('clock')` records only that simulated time moved, without writing the whole world again.
   */
  transact<T>(use: (state: WorldState, save: (what: 'world' | 'clock') => void) => T): T {
    this.guard(() => this.db.exec('BEGIN IMMEDIATE'));
    try {
      const state = this.guard(() => this.load());
      return use(state, (what) =>
        this.guard(() => (what === 'world' ? this.save(state) : this.saveClock(state))),
      );
    } catch (error) {
      // The cached copy may hold changes that never reached the file: read the file again next time.
      this.cached = undefined;
      throw error;
    } finally {
      this.db.exec('COMMIT');
    }
  }

  close(): void {
    this.db.close();
  }

  private load(): WorldState {
    const row = this.db.prepare('select generation, clock_ms from world where id = 1').get() as
      { generation: number; clock_ms: number } | undefined;
    if (row === undefined) {
      this.cached = { generation: 0, state: emptyWorld(this.startMs()) };
    } else if (row.generation !== this.cached?.generation) {
      const { state } = this.db.prepare('select state from world where id = 1').get() as { state: string };
      this.cached = { generation: row.generation, state: parseWorld(state, this.file) };
    }
    // Time may have moved on since the world was last written in full.
    const state = this.cached.state;
    if (row !== undefined && row.clock_ms > state.clockMs) state.clockMs = row.clock_ms;
    return state;
  }

  private save(state: WorldState): void {
    const generation = (this.cached?.generation ?? 0) + 1;
    this.db
      .prepare(
        `insert into world (id, generation, clock_ms, state) values (1, ?, ?, ?)
         on conflict (id) do update set generation = excluded.generation, clock_ms = excluded.clock_ms,
           state = excluded.state`,
      )
      .run(generation, state.clockMs, JSON.stringify(state));
    this.cached = { generation, state };
  }

  /** Only the clock moved: other processes keep their parsed copy (the generation stays). */
  private saveClock(state: WorldState): void {
    if (this.cached?.generation === 0) return this.save(state);
    this.db.prepare('update world set clock_ms = ? where id = 1').run(state.clockMs);
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw unreadable(this.file, error);
    }
  }
}

/** The simulated time persisted by the last run, so the next CLI command continues the same timeline. */
export function readSimClock(stateFile: string): number | undefined {
  if (!existsSync(stateFile)) return undefined;
  const db = openWorldFile(stateFile, true);
  try {
    // Another process may have just created the file and not yet its table: no world yet either way.
    const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'world'").get();
    if (table === undefined) return undefined;
    const row = db.prepare('select clock_ms from world where id = 1').get() as
      { clock_ms: number } | undefined;
    return row?.clock_ms;
  } catch (error) {
    throw unreadable(stateFile, error);
  } finally {
    db.close();
  }
}

function openWorldFile(file: string, readonly: boolean): Database.Database {
  try {
    const db = new Database(file, { readonly });
    // Other processes hold the write lock for one simulated call at a time: wait for them.
    db.pragma('busy_timeout = 10000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(
        `create table if not exists world (
           id integer primary key check (id = 1),
           generation integer not null,
           clock_ms integer not null,
           state text not null
         )`,
      );
    }
    return db;
  } catch (error) {
    throw unreadable(file, error);
  }
}

function parseWorld(text: string, file: string): WorldState {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1) {
    throw new ConfigError('The simulated cloud state file has an unknown format', [
      {
        field: file,
        rule: 'must hold a world with "version": 1',
        hint: 'delete it to start a fresh sandbox',
      },
    ]);
  }
  return parsed as WorldState;
}

function unreadable(file: string, error: unknown): ConfigError {
  if (error instanceof ConfigError) return error;
  return new ConfigError(
    `The simulated cloud state file cannot be used: ${error instanceof Error ? error.message : String(error)}`,
    [
      {
        field: file,
        rule: 'must be a SQLite file written by the simulated cloud, readable and writable',
        hint: 'delete it to start a fresh sandbox',
      },
    ],
    { cause: error },
  );
}
