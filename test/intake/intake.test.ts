import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { sandboxConfig } from '../../src/config/sandbox-config.js';
import type { FedoraMessage } from '../../src/intake/envelope.js';
import { messagesOf } from '../helpers/messages.js';
import { imageKey } from '../../src/core/model/image-request.js';
import type { IntakeDecision } from '../../src/intake/intake.js';
import { interpretMessage } from '../../src/intake/intake.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const fixture = (name: string) => messagesOf(read(`test/fixtures/messages/${name}`), { file: name });

function config(patch: Partial<ConfigInput> = {}): Config {
  return configSchema.parse({ ...sandboxConfig, ...patch });
}

const origin = { kind: 'replay' as const, file: 'mixed.jsonl' };
const now = new Date('2025-06-01T12:00:00Z');
const decide = (
  msg: FedoraMessage,
  extra: { includePrerelease?: boolean; config?: Config; now?: Date } = {},
) => interpretMessage(msg, { config: extra.config ?? config(), origin, now, ...extra });

function accepted(d: IntakeDecision) {
  if (d.kind !== 'accept') throw new Error(`expected accept, got ${d.kind}: ${JSON.stringify(d)}`);
  return d.request;
}

const awsTopic = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.41.x86_64';
const regions = { 'us-east-1': 'ami-0f1e2d3c4b5a69788', 'eu-west-1': 'ami-0a9b8c7d6e5f40312' };
function message(
  body: Record<string, unknown>,
  topic = awsTopic,
  headers: Record<string, unknown> = {},
): FedoraMessage {
  return {
    topic,
    headers,
    id: '6f6b2b8e-9d0a-4e0c-8b8e-1b6f3c2a9d11',
    body: {
      architecture: 'x86_64',
      compose_id: 'Fedora-41-20241027.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      regions,
      release: 41,
      subvariant: 'Cloud_Base',
      ...body,
    },
  };
}

describe('interpretMessage: accepted official images', () => {
  it('turns the current F41 x86_64 announcement into an ImageRequest', () => {
    const [msg] = fixture('f41-updates-x86_64.json');
    const request = accepted(decide(msg as FedoraMessage));
    expect(request).toMatchObject({
      release: 41,
      arch: 'x86_64',
      subvariant: 'Cloud_Base',
      composeId: 'Fedora-Cloud-41-20250311.0',
      imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-20250311.0',
      label: '20250311.0',
      sourceRegion: 'us-east-1',
      prerelease: false,
      derived: [],
      origin: { kind: 'replay', file: 'mixed.jsonl', topic: msg?.topic, messageId: msg?.id },
    });
    expect(Object.keys(request.regions)).toHaveLength(22);
    expect(request.sourceAmi).toBe(request.regions['us-east-1']);
  });

  it('maps aarch64 to arm64', () => {
    const [msg] = fixture('f41-updates-aarch64.json');
    expect(accepted(decide(msg as FedoraMessage)).arch).toBe('arm64');
  });

  it('accepts GA, respin and updates composes, with the configured prefix or none', () => {
    const messages = fixture('mixed.jsonl').slice(0, 2);
    const requests = messages.map((m) => accepted(decide(m)));
    expect(requests.map((r) => [r.release, r.arch, r.label])).toEqual([
      [42, 'x86_64', '1.1'],
      [41, 'arm64', '1.4'],
    ]);
    const bare = message({}, 'fedora_image_uploader.published.v1.aws');
    expect(accepted(decide(bare)).release).toBe(41);
  });

  it("lists staging's announcements only under a staging configuration", () => {
    const staging = fixture('mixed.jsonl')[2] as FedoraMessage;
    expect(staging.topic).toMatch(/^org\.fedoraproject\.stg\./);
    const refused = decide(staging);
    expect(refused.kind).toBe('reject');
    if (refused.kind === 'reject') {
      expect(refused.error.context).toMatchObject({ field: 'topic', value: staging.topic });
      expect(refused.error.describe()).toMatch(
        /another environment \(org\.fedoraproject\.stg\).*policy\.topicPrefix/,
      );
    }
    const cfg = config({ policy: { topicPrefix: 'org.fedoraproject.stg' } });
    expect(accepted(decide(staging, { config: cfg })).label).toBe('20250415.0');
    expect(decide(message({}), { config: cfg }).kind).toBe('reject');
  });

  it('reads the README quick-start example: two F41 GA 1.4 images in 22 regions', () => {
    const messages = messagesOf(read('examples/messages/fedora-41-cloud-base.jsonl'));
    const requests = messages.map((m) => accepted(decide(m)));
    expect(requests.map((r) => [r.arch, r.imageName, r.composeId, r.label])).toEqual([
      ['x86_64', 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4', 'Fedora-41-20241027.0', '1.4'],
      ['arm64', 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4', 'Fedora-41-20241027.0', '1.4'],
    ]);
    const ids = requests.flatMap((r) => Object.values(r.regions));
    expect(ids).toHaveLength(44);
    expect(new Set(ids).size).toBe(44);
    for (const id of ids) expect(id).toMatch(/^ami-[0-9a-f]{17}$/);
  });

  it('derives release and subvariant of an old body from the topic and records it', () => {
    const topic = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.40.x86_64';
    const [msg] = messagesOf(read('test/fixtures/messages/old-body-without-release.json'), { topic });
    const request = accepted(decide(msg as FedoraMessage));
    expect(request).toMatchObject({ release: 40, subvariant: 'Cloud_Base', label: '1.14' });
    expect(request.derived.map((d) => d.field)).toEqual(['release', 'subvariant']);
    expect(request.derived[0]?.from).toContain('topic suffix');
  });

  it('gives two announcements of the same image the same imageKey', () => {
    const first = accepted(decide(message({})));
    const again = accepted(
      decide({ ...message({ regions: { 'us-east-1': regions['us-east-1'] } }), id: 'another-id' }),
    );
    expect(imageKey(again)).toBe(imageKey(first));
    const arm = accepted(
      decide(
        message(
          { architecture: 'aarch64', image_name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4' },
          awsTopic.replace('x86_64', 'aarch64'),
        ),
      ),
    );
    expect(imageKey(arm)).not.toBe(imageKey(first));
  });

  it('uses the first region in sorted order when us-east-1 is absent', () => {
    const request = accepted(
      decide(
        message({ regions: { 'us-west-2': 'ami-0000000000000000a', 'ap-south-1': 'ami-0000000000000000b' } }),
      ),
    );
    expect(request).toMatchObject({ sourceRegion: 'ap-south-1', sourceAmi: 'ami-0000000000000000b' });
  });

  it('uses the configured source region', () => {
    const cfg = config({ fedora: { sourceRegion: 'eu-west-1' } });
    expect(accepted(decide(message({}), { config: cfg })).sourceAmi).toBe(regions['eu-west-1']);
  });

  it('admits a prerelease with --include-prerelease or policy.prereleases own-product, and marks it', () => {
    const prerelease = fixture('mixed.jsonl')[5] as FedoraMessage;
    expect(accepted(decide(prerelease, { includePrerelease: true })).prerelease).toBe(true);
    const cfg = config({ policy: { prereleases: 'own-product' } });
    expect(accepted(decide(prerelease, { config: cfg })).prerelease).toBe(true);
  });

  it('accepts a release before its end of life, including on the day itself', () => {
    const cfg = config({ policy: { endOfLife: { '41': '2025-06-01' } } });
    expect(decide(message({}), { config: cfg }).kind).toBe('accept');
  });
});

const server = { subvariant: 'Server', image_name: 'Fedora-Server-AmazonEC2.x86_64-41-1.4' };

describe('interpretMessage: skipped with a reason', () => {
  const mixed = fixture('mixed.jsonl');
  it.each([
    [3, /^Rawhide image/],
    [4, /^nightly compose Fedora-43-20250821\.n\.0/],
    [5, /^prerelease image Fedora-Cloud-Base-AmazonEC2\.x86_64-43-Prerelease-1\.2/],
    [6, /^azure image announcement/],
    [7, /^gcp image announcement/],
    [8, /^unrelated topic org\.fedoraproject\.prod\.pungi\.compose\.status\.change/],
  ])('skips mixed.jsonl message %i', (index, reason) => {
    const decision = decide(mixed[index] as FedoraMessage);
    expect(decision.kind).toBe('skip');
    if (decision.kind === 'skip') {
      expect(decision.reason).toMatch(reason);
      expect(decision.summary.topic).toBe(mixed[index]?.topic);
    }
  });

  it.each([
    ['an ELN compose', { compose_id: 'Fedora-ELN-20250301.0' }, /^ELN image/],
    ['a test compose', { compose_id: 'Fedora-41-20241027.t.0' }, /^test compose/],
    ['a CI compose', { compose_id: 'Fedora-41-20241027.ci.3' }, /^ci compose/],
    [
      'ppc64le',
      { architecture: 'ppc64le', image_name: 'Fedora-Cloud-Base-AmazonEC2.ppc64le-41-1.4' },
      /^architecture ppc64le/,
    ],
    ['an unlisted subvariant', server, /^subvariant Server is not in policy\.subvariants \(Cloud_Base\)/],
  ])('skips %s', (_name, body, reason) => {
    const decision = decide(message(body, 'fedora_image_uploader.published.v1.aws'));
    expect(decision.kind).toBe('skip');
    if (decision.kind === 'skip') expect(decision.reason).toMatch(reason);
  });

  it('skips a nightly by topic channel and a Rawhide by topic channel', () => {
    const nightly = message(
      {},
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.nightly.Cloud_Base.x86_64',
    );
    const rawhide = message(
      {},
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.rawhide.Cloud_Base.x86_64',
    );
    expect(decide(nightly)).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/^nightly image/) });
    expect(decide(rawhide)).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/^Rawhide image/) });
  });

  it('skips an old Rawhide body that has no release without rejecting it', () => {
    const { release: _r, ...body } = message({
      compose_id: 'Fedora-Rawhide-20250820.n.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20250820.0',
    }).body as Record<string, unknown>;
    const msg = { topic: 'fedora_image_uploader.published.v1.aws', headers: {}, body };
    expect(decide(msg).kind).toBe('skip');
  });

  it('skips a subvariant listed in the policy but without a product', () => {
    const cfg = config({ policy: { subvariants: ['Cloud_Base', 'Server'] } });
    const decision = decide(message(server, 'fedora_image_uploader.published.v1.aws'), { config: cfg });
    expect(decision).toMatchObject({
      kind: 'skip',
      reason: 'subvariant Server has no products.Server entry in the configuration',
    });
  });

  it('skips a release past its end of life and keeps a summary of the image', () => {
    const cfg = config({ policy: { endOfLife: { '41': '2025-05-31' } } });
    const decision = decide(message({}), { config: cfg });
    expect(decision).toMatchObject({
      kind: 'skip',
      reason: 'Fedora 41 reached end of life on 2025-05-31 (policy.endOfLife)',
      summary: {
        release: 41,
        arch: 'x86_64',
        subvariant: 'Cloud_Base',
        composeId: 'Fedora-41-20241027.0',
        label: '1.4',
      },
    });
  });

  it('skips by schema header even when the topic looks like AWS', () => {
    const msg = message({}, awsTopic, {
      fedora_messaging_schema: 'fedora_image_uploader.published.v1.container',
    });
    expect(decide(msg)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/^container image announcement/),
    });
  });

  it.each([
    'org.fedoraproject.prod.coreos.stream.metadata.update',
    'org.fedoraproject.stg.coreos.stream.metadata.update',
    'org.fedoraproject.prod.fedora_image_uploader.published.v1.awsx',
  ])('treats %s as unrelated', (topic) => {
    expect(decide(message({}, topic))).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/^unrelated topic/),
    });
  });
});

describe('interpretMessage: rejected', () => {
  function rejected(d: IntakeDecision) {
    if (d.kind !== 'reject') throw new Error(`expected reject, got ${d.kind}`);
    return d.error;
  }

  it('rejects the invalid fixture naming field, value and rule', () => {
    const [msg] = fixture('invalid-ami-id.json');
    const error = rejected(decide(msg as FedoraMessage));
    expect(error.context).toMatchObject({ field: 'body.regions.us-east-1', value: 'ami-XYZ0123' });
    expect(error.context.rule).toContain('AMI id');
    expect(error.message).toContain(msg?.id);
  });

  it.each([
    ['an unparseable compose id', { compose_id: 'nonsense' }, 'body.compose_id'],
    [
      'an image name for another architecture',
      { image_name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4' },
      'body.architecture',
    ],
    ['an image name for another release', { release: 42 }, 'body.release'],
    [
      'a compose id of another release',
      { compose_id: 'Fedora-40-20241027.0', image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4' },
      'body.release',
    ],
    [
      'an image name of another subvariant',
      { image_name: 'Fedora-Server-AmazonEC2.x86_64-41-1.4' },
      'body.subvariant',
    ],
    ['a missing image name', { image_name: undefined }, 'body.image_name'],
  ])('rejects %s', (_name, body, field) => {
    expect(rejected(decide(message(body))).context.field).toBe(field);
  });

  it.each([
    [
      'release',
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.40.x86_64',
      'body.release',
    ],
    [
      'architecture',
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.41.aarch64',
      'body.architecture',
    ],
    [
      'subvariant',
      'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Server.41.x86_64',
      'body.subvariant',
    ],
  ])('rejects a topic suffix that contradicts the body (%s)', (_name, topic, field) => {
    const error = rejected(decide(message({}, topic)));
    expect(error.context.field).toBe(field);
    expect(error.context.rule).toMatch(/topic suffix says/);
  });

  it('rejects an AWS announcement of another Fedora environment', () => {
    const topic = 'org.fedoraproject.dev.fedora_image_uploader.published.v1.aws.Cloud_Base.41.x86_64';
    const error = rejected(decide(message({}, topic)));
    expect(error.message).toContain('another environment (org.fedoraproject.dev)');
    expect(error.context.rule).toContain('org.fedoraproject.prod.');
  });

  it('rejects an old body whose release or subvariant cannot be derived', () => {
    const old = { architecture: 'x86_64', image_name: 'custom', regions, subvariant: 'Cloud_Base' };
    const topic = 'fedora_image_uploader.published.v1.aws';
    const dotted = { topic, headers: {}, body: { ...old, compose_id: 'Fedora-41.1-20241027.0' } };
    const error = rejected(decide(dotted));
    expect(error.context.field).toBe('body.release');
    expect(error.context.rule).toContain('derivable from the topic suffix, the compose id or the image name');
    const noSubvariant = {
      topic,
      headers: {},
      body: { ...old, compose_id: 'Fedora-41-20241027.0', subvariant: undefined },
    };
    expect(rejected(decide(noSubvariant)).context.field).toBe('body.subvariant');
  });
});
