/**
 * The dashboard in a real browser: Debian's headless Chromium, driven by playwright-core, loads the page
 * `serve` renders over a state the pipeline made, and finds the published, the waiting and the failed
 * job with their details. A full-page screenshot is kept in test-artifacts/ (CI keeps it as an artefact).
 *
 * Outside CI a machine without /usr/bin/chromium skips this file; with CI=true a missing browser fails
 * it (`.ci/run` installs Debian's chromium).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeSetPortalUrl } from '../../src/web/dashboard-page.js';
import { repoRoot } from '../helpers/cli.js';
import { operatorState, type OperatorState } from './operator-state.js';
import { killServing, startServing, type ServingProcess } from './serve-process.js';

export const chromiumPath = '/usr/bin/chromium';
/** Headless as root on a machine whose network is closed: no sandbox, no GPU, no calls home. */
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const screenshotPath = join(repoRoot, 'test-artifacts', 'dashboard.png');

const inCi = process.env['CI'] === 'true';
const haveBrowser = existsSync(chromiumPath);

if (inCi && !haveBrowser) {
  it('finds Debian chromium (CI installs it)', () => {
    expect.fail(`${chromiumPath} is missing: .ci/run must install the chromium package`);
  });
}

describe.skipIf(!haveBrowser)('the dashboard in headless Chromium', () => {
  let state: OperatorState;
  let serving: ServingProcess;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    state = await operatorState(mkdtempSync(join(tmpdir(), 'fm-web-browser-')));
    serving = await startServing(['serve', '--http', '127.0.0.1:0'], { stateDir: state.dir });
    profile = mkdtempSync(join(tmpdir(), 'fm-chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${serving.url}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await serving?.stop();
    killServing();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (state) rmSync(state.dir, { recursive: true, force: true });
  });

  it('loads nothing but the page itself', () => {
    const origin = new URL(serving.url).origin;
    expect(requested.length).toBeGreaterThanOrEqual(1);
    for (const url of requested) expect(new URL(url).origin).toBe(origin);
  });

  it('shows the published job in the Fedora 41 x86_64 cell, with its version and change set link', async () => {
    const card = page.locator(`#jobs li[data-job-id="${state.ids.published}"]`);
    await expect.poll(() => card.isVisible()).toBe(true);
    expect(await card.locator('.state').textContent()).toBe('published');
    expect(await card.textContent()).toContain('41.1.4');
    const link = card.locator('a.change-set');
    const changeSetId = (await link.textContent())?.replace('change set ', '') ?? '';
    expect(changeSetId).not.toBe('');
    expect(await link.getAttribute('href')).toBe(changeSetPortalUrl(changeSetId));
    expect(await card.locator('.cs-status').textContent()).toBe('SUCCEEDED');
    const row = page.locator('#jobs tr', { has: page.locator('th', { hasText: /^41$/ }) });
    expect(await row.locator(`li[data-job-id="${state.ids.published}"]`).count()).toBe(1);
  });

  it('shows the waiting job in its stage with how long it has waited', async () => {
    const card = page.locator(`#jobs li[data-job-id="${state.ids.waiting}"]`);
    await expect.poll(() => card.isVisible()).toBe(true);
    expect(await card.getAttribute('data-state')).toBe('mirror');
    expect(await card.locator('.age').textContent()).toMatch(/^in mirror for \d+/);
    expect(await card.locator('.reason').textContent()).toMatch(/copy/i);
  });

  it("shows the failed job with AWS's ErrorDetailList and the change set in the portal", async () => {
    const failure = page.locator(`#failures article[data-job-id="${state.ids.failed}"]`);
    await expect.poll(() => failure.isVisible()).toBe(true);
    expect(await failure.locator('.reason').textContent()).toMatch(/FAILED with CLIENT_ERROR/);
    const errors = failure.locator('table.errors tbody tr');
    expect(await errors.count()).toBeGreaterThan(0);
    expect(await failure.locator('table.errors caption').textContent()).toBe('ErrorDetailList');
    expect(await errors.first().locator('td').nth(1).textContent()).toMatch(/SomethingElse/);
    expect(await failure.locator('a.change-set').getAttribute('href')).toMatch(
      /^https:\/\/aws\.amazon\.com\/marketplace\/management\/requests\//,
    );
    expect(await page.locator(`#jobs li[data-job-id="${state.ids.failed}"]`).getAttribute('data-state')).toBe(
      'failed',
    );
  });

  it('shows product visibility and the quarantine', async () => {
    const product = page.locator('#products tr[data-product="Cloud_Base/41/x86_64"]');
    expect(await product.locator('.visibility').textContent()).toBe('Public');
    expect(await product.textContent()).toContain('Fedora 41 Cloud Base Images (x86_64) HVM');
    expect(await page.locator('#quarantine').textContent()).toContain(state.rejectedMessageId);
  });

  it('refreshes itself and wrote its screenshot', async () => {
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('30');
    expect(existsSync(screenshotPath)).toBe(true);
  });
});
