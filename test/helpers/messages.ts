/**
 * fedora-messaging messages in tests: reading the messages of a file (or the first reason one cannot be
 * read), and announcements of made-up official images for tests that need many distinct ones (any
 * release, architecture and respin, each with its own compose id, image name and AMI ids).
 */
import { createHash } from 'node:crypto';
import { readMessages, type FedoraMessage, type ParseOptions } from '../../src/intake/envelope.js';

export function messagesOf(
  text: string | Uint8Array,
  opts: ParseOptions & { dump?: boolean } = {},
): FedoraMessage[] {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return readMessages(bytes, opts).map((arrival) => {
    if (arrival.kind === 'unreadable') throw arrival.error;
    return arrival.message;
  });
}

export interface ImageSpec {
  release: number;
  /** Fedora's spelling. */
  arch: 'x86_64' | 'aarch64';
  /** The label is `1.<respin>`. */
  respin: number;
  /** Regions announced; the first is where the source AMI is looked up. Default us-east-1 only. */
  regions?: string[];
}

export interface AnnouncementJson {
  topic: string;
  headers: Record<string, unknown>;
  id: string;
  body: Record<string, unknown> & { image_name: string; regions: Record<string, string> };
}

function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

export function sourceAmi(spec: ImageSpec, region = 'us-east-1'): string {
  return `ami-${hex(`${spec.release}/${spec.arch}/${spec.respin}/${region}`, 17)}`;
}

export function imageName(spec: ImageSpec): string {
  return `Fedora-Cloud-Base-AmazonEC2.${spec.arch}-${spec.release}-1.${spec.respin}`;
}

export function announcement(spec: ImageSpec): AnnouncementJson {
  const regions = spec.regions ?? ['us-east-1'];
  const uuid = hex(`message/${imageName(spec)}`, 32);
  return {
    topic: `org.fedoraproject.prod.fedora_image_uploader.published.v1.aws.Cloud_Base.${spec.release}.${spec.arch}`,
    headers: {
      fedora_messaging_schema: 'fedora_image_uploader.published.v1.aws',
      fedora_messaging_schema_package: 'fedora-image-uploader-messages',
      fedora_messaging_severity: 20,
      priority: 0,
      'sent-at': '2024-10-29T11:47:52+00:00',
    },
    id: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-4${uuid.slice(13, 16)}-8${uuid.slice(17, 20)}-${uuid.slice(20, 32)}`,
    body: {
      architecture: spec.arch,
      compose_id: `Fedora-${spec.release}-20241027.${spec.respin}`,
      image_name: imageName(spec),
      regions: Object.fromEntries(regions.map((r) => [r, sourceAmi(spec, r)])),
      release: spec.release,
      subvariant: 'Cloud_Base',
    },
  };
}

/** A dump as the `fedora-messaging` CLI writes it: one message per line. */
export function dump(specs: ImageSpec[]): string {
  return specs.map((s) => JSON.stringify(announcement(s))).join('\n') + '\n';
}
