import pg from 'pg';
import { afterAll, afterEach, describe } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';
import { jobStoreSuite } from './job-store-suite.js';
import { leaseSuite } from './lease-suite.js';
import type { ManualClock } from '../../src/core/clock.js';

/** CI starts this server; when it is unreachable these tests fail rather than skip. */
const baseUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `store_test_${process.pid}_${Date.now()}`;

const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
const opened: JobStore[] = [];
const schemas: string[] = [];

/** Each test gets its own empty schema, selected through the connection's search_path. */
async function newSchema(): Promise<string> {
  const schema = `${prefix}_${schemas.length}`;
  await admin.query(`create schema ${schema}`);
  schemas.push(schema);
  return `${baseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function open(url?: string, wallClock?: ManualClock): Promise<JobStore> {
  const store = await openStore({
    driver: 'postgres',
    stateDir: '/nonexistent',
    url: url ?? (await newSchema()),
    ...(wallClock ? { wallClock } : {}),
  });
  opened.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
});

describe('PostgreSQL JobStore', () => {
  jobStoreSuite(() => open());
  leaseSuite(
    async (wallClock) => {
      const url = await newSchema();
      return [await open(url, wallClock), await open(url, wallClock)];
    },
    { localHolders: false },
  );
});
