import { existsSync, readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fedoraAccount,
  fixture,
  internalAccount,
  marketplaceAccounts,
  quickStartMessages,
  runCli,
  runJson,
  tempStateDir,
  versionTitleOf,
  type CliResult,
  type JobJson,
  type SandboxStateJson,
} from '../helpers/cli.js';

const mirrorRegions = ['us-east-1', 'us-east-2', 'eu-west-1'];

/** The cell under the "us-east-1 Cloned AMI ID" header of the New AMI Version sheet. */
async function clonedUsEast1Ami(xlsxPath: string): Promise<unknown> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(xlsxPath);
  const sheet = workbook.getWorksheet('New AMI Version');
  if (!sheet) throw new Error(`${xlsxPath} has no "New AMI Version" sheet`);
  let column: number | undefined;
  let headerRow: number | undefined;
  sheet.eachRow((row, rowNumber) => {
    if (column !== undefined) return;
    row.eachCell((cell, col) => {
      const text = String(cell.value ?? '').replace(/\s+/g, ' ');
      if (column === undefined && text.startsWith('us-east-1') && text.includes('Cloned AMI ID')) {
        column = col;
        headerRow = rowNumber;
      }
    });
  });
  if (column === undefined || headerRow === undefined) throw new Error('no us-east-1 Cloned AMI ID column');
  const values: unknown[] = [];
  for (let r = headerRow + 1; r <= sheet.rowCount; r++) values.push(sheet.getRow(r).getCell(column).value);
  return values.find((v) => typeof v === 'string' && v.startsWith('ami-'));
}

describe('publish the quick start messages in the sandbox', () => {
  const state = tempStateDir();
  const opts = { stateDir: state.dir };
  let first: CliResult;
  let jobs: JobJson[];

  beforeAll(async () => {
    first = await runCli(['publish', '--message', quickStartMessages], opts);
    jobs = (await runJson<{ jobs: JobJson[] }>(['status'], opts)).jobs;
  });
  afterAll(() => state.remove());

  it('publishes both images, says it seeded the sources and prints where the exports are', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /sandbox: seeded 22 Fedora-owned source image\(s\) \(owner 125523088429\) named Fedora-Cloud-Base-AmazonEC2\.x86_64-41-1\.4/,
    );
    expect(first.stdout).toMatch(/seeded 22 Fedora-owned source image\(s\).*aarch64-41-1\.4/);
    expect(first.stdout).toContain('load form:');
    expect(jobs).toHaveLength(2);
  });

  it('shows every documented field of a published job', () => {
    const x86 = jobs.find((j) => j.arch === 'x86_64');
    const arm = jobs.find((j) => j.arch === 'arm64');
    expect(x86).toBeDefined();
    expect(arm).toBeDefined();
    for (const job of [x86, arm] as JobJson[]) {
      expect(job).toMatchObject({
        state: 'published',
        release: 41,
        subvariant: 'Cloud_Base',
        composeId: 'Fedora-41-20241027.0',
        versionTitle: '41.1.4',
        changeSetStatus: 'SUCCEEDED',
      });
      expect(job.id).toMatch(/^f41-/);
      expect(job.sourceAmi).toMatch(/^ami-[0-9a-f]{17}$/);
      expect(job.productId).toMatch(/^prod-[a-z0-9]+$/);
      expect(job.changeSetId).toMatch(/^[a-z0-9]+$/);
      expect(Object.keys(job.mirroredAmis).sort()).toEqual([...mirrorRegions].sort());
      for (const ami of Object.values(job.mirroredAmis)) expect(ami).toMatch(/^ami-[0-9a-f]{17}$/);
      expect(job.mirroredAmis['us-east-1']).not.toBe(job.sourceAmi);
    }
    expect(x86?.productTitle).toBe('Fedora 41 Cloud Base Images (x86_64) HVM');
    expect(arm?.productTitle).toBe('Fedora 41 Cloud Base Images (aarch64) HVM');
    expect(x86?.productId).not.toBe(arm?.productId);
  });

  it('ends with both products Public, each with its offer, in status --json and the table', async () => {
    for (const job of jobs) {
      expect(job.productVisibility).toBe('Public');
      expect(job.offerId).toMatch(/^offer-/);
    }
    expect(jobs[0]?.offerId).not.toBe(jobs[1]?.offerId);
    expect(first.stdout).toMatch(
      /version "41\.1\.4" is live on prod-\w+, which is Public: listed for buyers/,
    );
    const status = await runCli(['status'], opts);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(
      /^job +state +image +version +product +visibility +change set +ssm alias/,
    );
    for (const job of jobs) {
      expect(status.stdout).toMatch(
        new RegExp(
          `${job.id} +published +41/${job.arch} +41\\.1\\.4 +${job.productId} +Public +SUCCEEDED +ok`,
        ),
      );
      expect(status.stdout).toContain(
        `${job.id}: version "41.1.4" is live on ${job.productId}, which is Public: listed for buyers`,
      );
    }
  });

  it('writes an XLSX load form with the mirrored us-east-1 AMI and a CreateProduct change set', async () => {
    for (const job of jobs) {
      expect(job.loadFormPath && existsSync(job.loadFormPath)).toBe(true);
      expect(await clonedUsEast1Ami(job.loadFormPath as string)).toBe(job.mirroredAmis['us-east-1']);
      expect(job.changeSetPath && existsSync(job.changeSetPath)).toBe(true);
      const changeSet = JSON.parse(readFileSync(job.changeSetPath as string, 'utf8')) as {
        ChangeSet: Array<{ ChangeType: string }>;
      };
      expect(changeSet.ChangeSet[0]?.ChangeType).toBe('CreateProduct');
      expect(changeSet.ChangeSet.map((c) => c.ChangeType)).toContain('AddDeliveryOptions');
    }
  });

  it('leaves mirrored images owned by the internal account, shared with the Marketplace, and succeeded change sets', async () => {
    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    const mirrors = sandbox.images.filter((i) => i.owner === internalAccount);
    expect(mirrors).toHaveLength(6);
    for (const job of jobs) {
      for (const region of mirrorRegions) {
        const image = mirrors.find((i) => i.id === job.mirroredAmis[region]);
        expect(image, `${job.id} ${region}`).toBeDefined();
        expect(image?.region).toBe(region);
        expect(image?.state).toBe('available');
        expect([...(image?.launchPermissions ?? [])].sort()).toEqual(marketplaceAccounts);
        for (const snapshot of image?.snapshots ?? [])
          expect([...snapshot.createVolumePermissions].sort()).toEqual(marketplaceAccounts);
      }
    }
    expect(sandbox.images.filter((i) => i.owner === fedoraAccount)).toHaveLength(44);
    // Per product: the product with its offer and version, released in the same set; the request for
    // Public.
    expect(sandbox.changeSets).toHaveLength(4);
    for (const cs of sandbox.changeSets) expect(cs.status).toBe('SUCCEEDED');
    const creating = sandbox.changeSets.filter((c) => c.changes[0]?.changeType === 'CreateProduct');
    expect(creating.map((c) => c.id).sort()).toEqual(jobs.map((j) => j.changeSetId).sort());
    expect(sandbox.changeSets.map((c) => c.changes[0]?.changeType).sort()).toEqual([
      'CreateProduct',
      'CreateProduct',
      'UpdateVisibility',
      'UpdateVisibility',
    ]);
  });

  it('coalesces a second run of the same messages: no new job, no new change set', async () => {
    const again = await runCli(['publish', '--message', quickStartMessages], opts);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already known \(published\); not created again/);
    const status = await runJson<{ jobs: JobJson[] }>(['status'], opts);
    expect(status.jobs.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    expect(sandbox.changeSets).toHaveLength(4);
    expect(sandbox.images.filter((i) => i.owner === internalAccount)).toHaveLength(6);
  });

  it('shows both products Public with their released offers in sandbox state --json', async () => {
    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    expect(sandbox.products).toHaveLength(2);
    for (const job of jobs) {
      expect(sandbox.products.find((p) => p.id === job.productId)).toMatchObject({
        visibility: 'Public',
        offerId: job.offerId,
        offerState: 'Released',
      });
    }
  });

  it('has nothing to plan after the pipeline: every instance type is priced at 0.00', async () => {
    const plan = await runJson<{ plans: Array<{ changes: unknown[]; visibility: string }> }>(['plan'], opts);
    expect(plan.plans).toHaveLength(2);
    for (const p of plan.plans) expect(p).toMatchObject({ changes: [], visibility: 'Public' });
  });

  it('adds a later Fedora 41 x86_64 image to the same product with AddDeliveryOptions only', async () => {
    const x86 = jobs.find((j) => j.arch === 'x86_64') as JobJson;
    const result = await runJson<{ jobs: JobJson[] }>(
      ['publish', '--message', fixture('f41-x86_64-1.5.json')],
      opts,
    );
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0] as JobJson;
    expect(job).toMatchObject({
      state: 'published',
      release: 41,
      arch: 'x86_64',
      versionTitle: '41.1.5',
      productId: x86.productId,
      productVisibility: 'Public',
      offerId: x86.offerId,
    });
    expect(job.id).not.toBe(x86.id);

    const sandbox = await runJson<SandboxStateJson>(['sandbox', 'state'], opts);
    const cs = sandbox.changeSets.find((c) => c.id === job.changeSetId);
    expect(cs?.status).toBe('SUCCEEDED');
    expect(cs?.product).toBe(x86.productId);
    const types = cs?.changes.map((c) => c.changeType) ?? [];
    expect(types).toContain('AddDeliveryOptions');
    expect(types).not.toContain('CreateProduct');
    expect(versionTitleOf(cs?.changes.find((c) => c.changeType === 'AddDeliveryOptions')?.details)).toBe(
      '41.1.5',
    );
    expect(
      sandbox.changeSets.filter((c) => c.changes.some((x) => x.changeType === 'CreateProduct')),
    ).toHaveLength(2);
    const product = sandbox.products.find((p) => p.id === x86.productId);
    expect(product?.versions.map((v) => v.title).sort()).toEqual(['41.1.4', '41.1.5']);
  });
});

describe('publish one image by AMI id in the sandbox', () => {
  const state = tempStateDir();
  afterAll(() => state.remove());

  it('seeds the named Fedora image and publishes it', async () => {
    const result = await runJson<{ jobs: JobJson[] }>(
      [
        'publish',
        '--release',
        '41',
        '--arch',
        'x86_64',
        '--source-ami',
        'ami-0cad097ea5a556b53',
        '--image-name',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      ],
      { stateDir: state.dir },
    );
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]).toMatchObject({
      state: 'published',
      release: 41,
      arch: 'x86_64',
      sourceAmi: 'ami-0cad097ea5a556b53',
      imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      productTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM',
      versionTitle: '41.1.4',
      changeSetStatus: 'SUCCEEDED',
    });
    expect(Object.keys(result.jobs[0]?.mirroredAmis ?? {}).sort()).toEqual([...mirrorRegions].sort());
  });
});
