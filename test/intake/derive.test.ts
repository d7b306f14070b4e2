import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseAwsPublished } from '../../src/intake/aws-published.js';
import { deriveFields, parseComposeId, parseImageName, parseTopicSuffix } from '../../src/intake/derive.js';

describe('parseComposeId', () => {
  it.each([
    [
      'Fedora-41-20240911.0',
      { short: 'Fedora', version: '41', date: '20240911', suffix: 'production', respin: 0 },
    ],
    [
      'Fedora-Rawhide-20180426.n.0',
      { short: 'Fedora', version: 'Rawhide', date: '20180426', suffix: 'nightly', respin: 0 },
    ],
    [
      'Fedora-Cloud-41-20241027.0',
      { short: 'Fedora-Cloud', version: '41', date: '20241027', suffix: 'production', respin: 0 },
    ],
    [
      'Fedora-43-20250821.t.2',
      { short: 'Fedora', version: '43', date: '20250821', suffix: 'test', respin: 2 },
    ],
    [
      'Fedora-42-20250601.ci.11',
      { short: 'Fedora', version: '42', date: '20250601', suffix: 'ci', respin: 11 },
    ],
    [
      'Fedora-ELN-20250301.n.1',
      { short: 'Fedora', version: 'ELN', date: '20250301', suffix: 'nightly', respin: 1 },
    ],
    [
      'Fedora-41-updates-20250101.0',
      { short: 'Fedora', version: '41', type: 'updates', date: '20250101', suffix: 'production', respin: 0 },
    ],
    [
      'Fedora-41-updates-testing-20250101.1',
      {
        short: 'Fedora',
        version: '41',
        type: 'updates-testing',
        date: '20250101',
        suffix: 'production',
        respin: 1,
      },
    ],
  ])('parses %s', (id, expected) => {
    expect(parseComposeId(id)).toEqual(expected);
  });

  it.each([
    'Fedora-Cloud-AmazonEC2',
    'Fedora-41-2024091.0',
    'Fedora-41-20240911',
    'Fedora-41-20240911.x.0',
    '',
  ])('rejects %j naming the productmd rule', (id) => {
    try {
      parseComposeId(id, 'body.compose_id');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).context).toMatchObject({ field: 'body.compose_id', value: id });
      expect((error as InputError).context.rule).toContain('productmd');
    }
  });
});

describe('parseImageName', () => {
  it.each([
    ['Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4', 'x86_64', '41', '1.4', false],
    ['Fedora-Cloud-Base-AmazonEC2.aarch64-42-20250415.0', 'aarch64', '42', '20250415.0', false],
    ['Fedora-Cloud-Base-AmazonEC2.x86_64-43-Prerelease-1.2', 'x86_64', '43', '1.2', true],
    ['Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20250820.0', 'x86_64', 'Rawhide', '20250820.0', false],
    ['Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-west-2-gp3-0', 'x86_64', '40', '1.14', false],
    ['Fedora-Cloud-Base-24-20160710.0.x86_64', 'x86_64', '24', '20160710.0', false],
  ])('parses %s', (name, arch, version, label, prerelease) => {
    expect(parseImageName(name)).toEqual({ subvariant: 'Cloud_Base', arch, version, label, prerelease });
  });

  it('returns undefined for names it does not know', () => {
    expect(parseImageName('Fedora-Cloud-AmazonEC2')).toBeUndefined();
    expect(parseImageName('ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20240423')).toBeUndefined();
  });
});

describe('parseTopicSuffix', () => {
  const base = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws';
  it.each([
    [`${base}.Cloud_Base.41.x86_64`, { subvariant: 'Cloud_Base', release: 41, arch: 'x86_64' }],
    [`${base}.rawhide.Cloud_Base.x86_64`, { channel: 'rawhide', subvariant: 'Cloud_Base', arch: 'x86_64' }],
    [`${base}.nightly.Cloud_Base.aarch64`, { channel: 'nightly', subvariant: 'Cloud_Base', arch: 'aarch64' }],
    [
      'fedora_image_uploader.published.v1.aws.Cloud_Base.40.aarch64',
      { subvariant: 'Cloud_Base', release: 40, arch: 'aarch64' },
    ],
    [base, {}],
    [`${base}.Cloud_Base`, {}],
    ['org.fedoraproject.prod.pungi.compose.status.change', {}],
  ])('reads %s', (topic, expected) => {
    expect(parseTopicSuffix(topic)).toEqual(expected);
  });
});

describe('deriveFields', () => {
  const oldBody = parseAwsPublished({
    architecture: 'x86_64',
    compose_id: 'Fedora-Cloud-40-20240414.0',
    image_name: 'Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-east-1-gp3-0',
    regions: { 'us-east-1': 'ami-0123456789abcdef0' },
  });

  it('takes release and subvariant from the body when present and records nothing', () => {
    const facts = deriveFields(
      { ...oldBody, release: 40, subvariant: 'Cloud_Base' },
      'fedora_image_uploader.published.v1.aws',
    );
    expect(facts).toMatchObject({ release: 40, subvariant: 'Cloud_Base', label: '1.14', derived: [] });
  });

  it('prefers the topic suffix, and records where each value came from', () => {
    const topic = 'org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.40.x86_64';
    const facts = deriveFields(oldBody, topic);
    expect(facts.release).toBe(40);
    expect(facts.subvariant).toBe('Cloud_Base');
    expect(facts.derived).toEqual([
      { field: 'release', value: '40', from: `topic suffix (${topic})` },
      { field: 'subvariant', value: 'Cloud_Base', from: `topic suffix (${topic})` },
    ]);
  });

  it('falls back to the compose id for the release and the image name for the subvariant', () => {
    const facts = deriveFields(oldBody, 'fedora_image_uploader.published.v1.aws');
    expect(facts.derived).toEqual([
      { field: 'release', value: '40', from: 'compose id Fedora-Cloud-40-20240414.0' },
      {
        field: 'subvariant',
        value: 'Cloud_Base',
        from: 'image name Fedora-Cloud-Base-40-1.14.x86_64-hvm-us-east-1-gp3-0',
      },
    ]);
  });

  it('takes the release from the image name when the compose is Rawhide-numbered', () => {
    const body = {
      ...oldBody,
      compose_id: 'Fedora-Rawhide-20240101.n.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-40-1.2',
    };
    expect(deriveFields(body, 'x').derived[0]).toEqual({
      field: 'release',
      value: '40',
      from: 'image name Fedora-Cloud-Base-AmazonEC2.x86_64-40-1.2',
    });
  });

  it('leaves the release undefined for Rawhide when nothing numbers it', () => {
    const body = {
      ...oldBody,
      compose_id: 'Fedora-Rawhide-20250820.n.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20250820.0',
    };
    expect(deriveFields(body, 'x').release).toBeUndefined();
  });

  it('derives the label from the compose id when the image name is unknown, and says so', () => {
    const body = {
      ...oldBody,
      release: 42,
      subvariant: 'Cloud_Base',
      compose_id: 'Fedora-Cloud-42-20250415.0',
      image_name: 'custom',
    };
    const facts = deriveFields(body, 'x');
    expect(facts.label).toBe('20250415.0');
    expect(facts.derived).toEqual([
      {
        field: 'label',
        value: '20250415.0',
        from: 'compose id Fedora-Cloud-42-20250415.0 (image name not recognised)',
      },
    ]);
  });
});
