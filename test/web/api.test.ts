/**
 * The JSON API over real HTTP on a loopback port, against a state directory the real pipeline made:
 * every route, every error, filters and pages, the OpenAPI document, and the same job objects as
 * `status --json` prints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from '../../src/app/telemetry.js';
import { httpDefaults } from '../../src/config/http-schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store.js';
import { paths } from '../../src/web/paths.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { runJson, type JobJson } from '../helpers/cli.js';
import { openapiPath, ResponseChecker, type OpenApiDocument } from './openapi-check.js';
import { operatorState, type OperatorState } from './operator-state.js';

let state: OperatorState;
let store: JobStore;
let server: WebServer;
let checker: ResponseChecker;
let doc: OpenApiDocument;

async function get(path: string): Promise<{ status: number; body: unknown; type: string }> {
  const response = await fetch(`${server.url}${path}`);
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.startsWith('application/json') ? await response.json() : await response.text();
  return { status: response.status, body, type };
}

/** GET a JSON route and check the answer against the OpenAPI document. */
async function getJson<T>(path: string, route: string, expected = 200): Promise<T> {
  const { status, body } = await get(path);
  expect(status, JSON.stringify(body)).toBe(expected);
  checker.expectValid(route, status, body);
  return body as T;
}

interface ErrorJson {
  error: { type: string; message: string; field?: string; value?: unknown; rule?: string };
}

beforeAll(async () => {
  state = await operatorState(mkdtempSync(join(tmpdir(), 'fm-web-api-')));
  store = await openStore({ driver: 'sqlite', stateDir: state.dir });
  server = await startWebServer(
    {
      config: { http: httpDefaults },
      store,
      clock: new ManualClock(state.now),
      telemetry: createTelemetry(),
      logger: pino({ level: 'silent' }),
    },
    { host: '127.0.0.1', port: 0 },
  );
  doc = (await get(paths.openapi)).body as OpenApiDocument;
  checker = new ResponseChecker(doc);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(state.dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document that describes every route the server has', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(Object.keys(doc.paths).sort()).toEqual(Object.values(paths).map(openapiPath).sort());
    for (const route of Object.values(paths)) expect(doc.paths[openapiPath(route)]?.['get']).toBeDefined();
  });
});

describe('health', () => {
  it('is live, and ready with the store answering and no bus to follow', async () => {
    expect(await getJson(paths.live, paths.live)).toEqual({ status: 'live' });
    expect(await getJson(paths.ready, paths.ready)).toEqual({
      status: 'ready',
      checks: { store: { ok: true }, cloud: { ok: true } },
    });
  });
});

describe('GET /api/v1/jobs', () => {
  it('lists the jobs exactly as `status --json` prints them', async () => {
    const api = await getJson<{ jobs: JobJson[]; nextCursor: string | null }>(paths.jobs, paths.jobs);
    const cli = await runJson<{ jobs: JobJson[] }>(['status'], { stateDir: state.dir });
    expect(api.jobs).toEqual(cli.jobs);
    expect(api.jobs.map((j) => j.state).sort()).toEqual(['failed', 'mirror', 'published']);
    expect(api.nextCursor).toBeNull();
  });

  it('filters by state (repeatable), release and architecture (Fedora or AWS spelling)', async () => {
    const ids = async (query: string) =>
      (await getJson<{ jobs: JobJson[] }>(`${paths.jobs}?${query}`, paths.jobs)).jobs.map((j) => j.id);
    expect(await ids('state=failed')).toEqual([state.ids.failed]);
    expect((await ids('state=published&state=mirror')).sort()).toEqual(
      [state.ids.published, state.ids.waiting].sort(),
    );
    expect(await ids('release=42')).toEqual([state.ids.waiting]);
    expect(await ids('arch=aarch64')).toEqual([state.ids.waiting]);
    expect(await ids('arch=arm64&release=42')).toEqual([state.ids.waiting]);
    expect(await ids('arch=x86_64&state=skipped')).toEqual([]);
  });

  it('pages with limit and nextCursor, each job exactly once and in the same order as unpaged', async () => {
    const all = (await getJson<{ jobs: JobJson[] }>(paths.jobs, paths.jobs)).jobs.map((j) => j.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { jobs: JobJson[]; nextCursor: string | null } = await getJson(
        `${paths.jobs}?${query}`,
        paths.jobs,
      );
      expect(page.jobs).toHaveLength(1);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);
  });

  it.each([
    ['state=bogus', 'state', 'bogus', /must be one of: verify, mirror, .*published, failed, skipped/],
    ['release=forty', 'release', 'forty', /must be integer/],
    ['release=0', 'release', '0', /must be >= 1/],
    ['arch=s390x', 'arch', 's390x', /must be one of: x86_64, arm64, aarch64/],
    ['limit=0', 'limit', '0', /must be >= 1/],
    ['limit=501', 'limit', '501', /must be <= 500/],
    ['color=blue', 'color', 'blue', /is not a parameter of \/api\/v1\/jobs/],
    ['cursor=not-a-cursor', 'cursor', 'not-a-cursor', /must be the nextCursor of a previous page/],
  ])('refuses %s with 400 naming the field, the value and the rule', async (query, field, value, rule) => {
    const body = await getJson<ErrorJson>(`${paths.jobs}?${query}`, paths.jobs, 400);
    expect(body.error).toMatchObject({ type: 'InputError', field, value });
    expect(body.error.rule).toMatch(rule);
    expect(body.error.message).toContain(`field: ${field}`);
  });
});

describe('GET /api/v1/jobs/{id}', () => {
  it('returns the job with its events as `status JOB --json` does, with AWS’s ErrorDetailList', async () => {
    const api = await getJson<
      JobJson & { events: Array<{ kind: string; message: string }>; changeSetErrors?: unknown[] }
    >(`${paths.jobs}/${state.ids.failed}`, paths.job);
    const cli = await runJson<{ jobs: unknown[] }>(['status', state.ids.failed], { stateDir: state.dir });
    expect(api).toEqual(cli.jobs[0]);
    expect(api.state).toBe('failed');
    expect(api.changeSetErrors?.length).toBeGreaterThan(0);
    expect(api.events.map((e) => e.kind)).toContain('failed');
    expect(api.events.at(-1)?.message).toMatch(/FAILED with CLIENT_ERROR/);
  });

  it('answers 404 naming the id for a job that does not exist', async () => {
    const body = await getJson<ErrorJson>(`${paths.jobs}/f41-x86_64-deadbeef`, paths.job, 404);
    expect(body.error).toMatchObject({ type: 'NotFound', field: 'id', value: 'f41-x86_64-deadbeef' });
    expect(body.error.message).toContain('no such job: f41-x86_64-deadbeef');
  });
});

describe('GET /api/v1/products', () => {
  it('shows each product with its visibility, offer, versions, availability and open change set', async () => {
    const { products } = await getJson<{
      products: Array<{
        key: string;
        productId: string | null;
        title: string | null;
        visibility: string | null;
        offerId: string | null;
        versions: Array<{ title: string; state: string; jobId: string }>;
        regions: string[];
        instanceTypes: string[];
        openChangeSet: unknown;
      }>;
    }>(paths.products, paths.products);
    expect(products.map((p) => p.key)).toEqual([
      'Cloud_Base/42/arm64',
      'Cloud_Base/41/x86_64',
      'Cloud_Base/40/x86_64',
    ]);
    const [waiting, listed, refused] = products;
    // Published: released and made Public by its pipeline, with its offer.
    expect(listed).toMatchObject({
      title: 'Fedora 41 Cloud Base Images (x86_64) HVM',
      visibility: 'Public',
      openChangeSet: null,
      versions: [{ title: '41.1.4', state: 'published', jobId: state.ids.published }],
    });
    expect(listed?.productId).toMatch(/^prod-/);
    expect(listed?.offerId).toMatch(/^offer-/);
    expect(listed?.regions).toContain('us-east-1');
    expect(listed?.instanceTypes.length).toBeGreaterThan(0);
    // AWS refused the change set that would have created it: there is no product id.
    expect(refused).toMatchObject({
      productId: null,
      visibility: null,
      offerId: null,
      versions: [{ title: '40.1.14', state: 'failed' }],
    });
    // Still copying: nothing is known of its listing yet.
    expect(waiting).toMatchObject({ title: null, productId: null, versions: [], regions: [] });
  });
});

describe('GET /api/v1/quarantine', () => {
  it('shows the rejected message with its reason and payload; a bad limit is refused', async () => {
    const { quarantine } = await getJson<{ quarantine: Array<Record<string, unknown>> }>(
      paths.quarantine,
      paths.quarantine,
    );
    expect(quarantine).toEqual([
      expect.objectContaining({
        outcome: 'rejected',
        source: 'bus',
        messageId: state.rejectedMessageId,
        payload: '{"architecture": "x86_64", "compose_id": ',
      }),
    ]);
    const body = await getJson<ErrorJson>(`${paths.quarantine}?limit=-1`, paths.quarantine, 400);
    expect(body.error).toMatchObject({ field: 'limit', value: '-1' });
  });
});

describe('errors and method', () => {
  it('answers an unknown route with a JSON 404 and refuses writes', async () => {
    const missing = await get('/api/v2/jobs');
    expect(missing.status).toBe(404);
    expect((missing.body as ErrorJson).error.type).toBe('NotFound');
    const post = await fetch(`${server.url}${paths.jobs}`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    const remove = await fetch(`${server.url}${paths.jobs}/${state.ids.published}`, { method: 'DELETE' });
    expect(remove.status).toBe(404);
    expect((await store.getJob(state.ids.published))?.state).toBe('published');
  });
});
