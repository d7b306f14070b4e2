import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { ConfigError, ExitCode, StateError } from '../../src/core/errors.js';
import { configureSqlite, openStore, sqliteFileName, sqliteJobStore } from '../../src/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore errors', () => {
  it('names store.url and hides the password when PostgreSQL cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const error = await openStore({
      driver: 'postgres',
      stateDir: dir,
      url: 'postgres://app:s3cret-pw@127.0.0.1:1/fm',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).describe();
    expect(text).toContain('store.url');
    expect(text).toContain('postgres://app:***@127.0.0.1:1/fm');
    expect(text).not.toContain('s3cret-pw');
  });

  it('requires a URL for PostgreSQL', async () => {
    await expect(openStore({ driver: 'postgres', stateDir: dir })).rejects.toMatchObject({
      name: 'ConfigError',
      context: { field: 'store.url' },
    });
  });

  it('names the state directory when the SQLite file cannot be created', async () => {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    const error = await openStore({ driver: 'sqlite', stateDir: notADir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({
      kind: 'not-directory',
      exitCode: ExitCode.state,
      context: { field: notADir },
    });
    expect((error as StateError).describe()).toContain(`Fix: remove or rename the file ${notADir}`);
  });

  it('says the disk is full, naming the file and the fix, when SQLite runs out of space', async () => {
    const file = join(mkdtempSync(join(dir, 'full-')), sqliteFileName);
    const database = new Database(file);
    configureSqlite(database);
    const store = sqliteJobStore(database, file);
    await store.migrate();
    // A page limit makes SQLite fail exactly as on a full disk: SQLITE_FULL.
    database.pragma(`max_page_count = ${Number(database.pragma('page_count', { simple: true })) + 2}`);
    const filler = 'x'.repeat(8000);
    const error = await (async () => {
      for (let i = 0; i < 100; i++)
        await store.recordIntake({ at: new Date(), source: 'bus', outcome: 'skipped', reason: filler });
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({ kind: 'full', exitCode: ExitCode.state, context: { field: file } });
    expect((error as StateError).describe()).toMatch(/disk is full.*Fix: free space on the filesystem of/);
    await store.close();
  });
});
