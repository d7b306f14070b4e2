import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/cloud/ports.js';
import { InputError } from '../../src/core/errors.js';
import { requestFromImage } from '../../src/intake/cli-request.js';
import { imageKey } from '../../src/core/model/image-request.js';

function image(name: string, architecture: Image['architecture'] = 'x86_64'): Image {
  return {
    imageId: 'ami-0c5e6b7a8d9f01234',
    name,
    ownerId: '125523088429',
    region: 'us-east-1',
    state: 'available',
    architecture,
    virtualizationType: 'hvm',
    rootDeviceType: 'ebs',
    encrypted: false,
    snapshotIds: ['snap-0123456789abcdef0'],
    public: true,
    tags: {},
  };
}

const opts = { release: 41, arch: 'x86_64' as const, subvariant: 'Cloud_Base', region: 'us-east-1' };

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('requestFromImage', () => {
  it('builds a request from a GA image and the given compose id', () => {
    const request = requestFromImage(image('Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4'), {
      ...opts,
      composeId: 'Fedora-41-20241027.0',
    });
    expect(request).toEqual({
      release: 41,
      arch: 'x86_64',
      subvariant: 'Cloud_Base',
      composeId: 'Fedora-41-20241027.0',
      imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      label: '1.4',
      sourceAmi: 'ami-0c5e6b7a8d9f01234',
      sourceRegion: 'us-east-1',
      regions: { 'us-east-1': 'ami-0c5e6b7a8d9f01234' },
      prerelease: false,
      derived: [
        { field: 'label', value: '1.4', from: 'image name Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4' },
      ],
      origin: { kind: 'cli' },
    });
  });

  it('derives a stable compose id from an updates image name and records it', () => {
    const name = 'Fedora-Cloud-Base-AmazonEC2.aarch64-42-20250415.0';
    const first = requestFromImage(image(name, 'arm64'), { ...opts, release: 42, arch: 'arm64' });
    expect(first.composeId).toBe('Fedora-Cloud-42-20250415.0');
    expect(first.derived.map((d) => d.field)).toEqual(['label', 'composeId']);
    const again = requestFromImage(image(name, 'arm64'), { ...opts, release: 42, arch: 'arm64' });
    expect(imageKey(again)).toBe(imageKey(first));
  });

  it('marks a prerelease image', () => {
    const request = requestFromImage(image('Fedora-Cloud-Base-AmazonEC2.x86_64-43-Prerelease-1.2'), {
      ...opts,
      release: 43,
    });
    expect(request.prerelease).toBe(true);
  });

  it.each([
    ['the image architecture', image('Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4', 'arm64'), opts, '--arch'],
    ['the architecture in the name', image('Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4'), opts, '--arch'],
    ['the release in the name', image('Fedora-Cloud-Base-AmazonEC2.x86_64-42-1.1'), opts, '--release'],
    ['a Rawhide name', image('Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20250820.0'), opts, '--release'],
    [
      'the subvariant',
      image('Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4'),
      { ...opts, subvariant: 'Server' },
      '--subvariant',
    ],
    ['an unknown name', image('my-own-image'), opts, '--source-ami'],
  ])('rejects a contradiction with %s', (_name, img, options, field) => {
    const error = inputError(() => requestFromImage(img, options));
    expect(error.context.field).toBe(field);
    expect(error.context.rule).toBeTruthy();
  });

  it('says which release the image really is', () => {
    const error = inputError(() =>
      requestFromImage(image('Fedora-Cloud-Base-AmazonEC2.x86_64-42-1.1'), opts),
    );
    expect(error.describe()).toBe(
      'Fedora-Cloud-Base-AmazonEC2.x86_64-42-1.1 is not a Fedora 41 image; field: --release; value: 41; ' +
        'rule: must match the release in the image name (42). Fix: pass --release 42',
    );
  });
});
