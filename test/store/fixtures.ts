import type { ImageRequest } from '../../src/core/model/image-request.js';
import { imageKey } from '../../src/core/model/image-request.js';
import { emptyJobData } from '../../src/core/model/job.js';
import type { Job, JobEvent, JobState } from '../../src/core/model/job.js';

export const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

export function request(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    release: 41,
    arch: 'x86_64',
    subvariant: 'Cloud_Base',
    composeId: 'Fedora-41-20241027.0',
    imageName: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
    label: '1.4',
    sourceAmi: 'ami-0123456789abcdef0',
    sourceRegion: 'us-east-1',
    regions: { 'us-east-1': 'ami-0123456789abcdef0', 'eu-west-1': 'ami-0fedcba9876543210' },
    prerelease: false,
    derived: [{ field: 'label', value: '1.4', from: 'imageName' }],
    origin: {
      kind: 'message',
      messageId: 'msg-1',
      topic: 'org.fedoraproject.prod.fedora_image_uploader.published.v1',
    },
    ...overrides,
  };
}

let counter = 0;

export function job(overrides: Partial<Job> & { request?: ImageRequest } = {}): Job {
  counter += 1;
  const req = overrides.request ?? request({ composeId: `Fedora-41-20241027.${counter}` });
  return {
    id: `job-${counter}`,
    key: imageKey(req),
    state: 'verify',
    request: req,
    data: emptyJobData(),
    nextRunAt: new Date(t0),
    attempts: 0,
    version: 1,
    createdAt: new Date(t0),
    updatedAt: new Date(t0),
    ...overrides,
  };
}

export function event(kind: JobEvent['kind'], message: string, at = t0, stage: JobState = 'verify') {
  return { at: new Date(at), stage, kind, message };
}
