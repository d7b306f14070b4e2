import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/open-store.js';

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
    await expect(openStore({ driver: 'sqlite', stateDir: notADir })).rejects.toMatchObject({
      name: 'ConfigError',
      context: { field: 'stateDir', value: notADir },
    });
  });
});
