import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../../src/core/errors.js';
import {
  announcementTopics,
  buildAnnouncement,
  publishAnnouncement,
} from '../../../src/intake/amqp/announcement.js';
import type { AnnouncementInput } from '../../../src/intake/amqp/announcement.js';
import { BusPublisher } from '../../../src/intake/amqp/publisher.js';
import { ensureRabbit } from '../../helpers/rabbit.js';
import { BusFixture } from './bus-fixture.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/announcement.v1.schema.json', import.meta.url), 'utf8'),
) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function job(overrides: Partial<AnnouncementInput> = {}): AnnouncementInput {
  return {
    id: 'job-41-arm64',
    state: 'published',
    request: {
      release: 41,
      arch: 'arm64',
      subvariant: 'Cloud_Base',
      composeId: 'Fedora-41-20241027.0',
      imageName: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4',
      sourceAmi: 'ami-0a1b2c3d4e5f60718',
      sourceRegion: 'us-east-1',
    },
    data: {
      mirroredAmis: { 'us-east-1': 'ami-0123456789abcdef0', 'us-gov-west-1': 'ami-0fedcba9876543210' },
      productId: 'prod-abc123def456',
      productTitle: 'Fedora 41 Cloud Base Images (aarch64) HVM',
      versionTitle: 'Fedora 41 1.4 (aarch64)',
      changeSetId: '6b3ckx8wqv0zs2ubbzz5ttj2l',
      changeSetStatus: 'SUCCEEDED',
      ssmAlias: '/aws/service/marketplace/prod-abc123def456/latest',
    },
    product: { visibility: 'Public', offerId: 'offer-abcdefghijklm' },
    ...overrides,
  };
}

describe('buildAnnouncement', () => {
  it('announces a published version at severity info with a body the schema accepts', () => {
    const { topic, body, severity } = buildAnnouncement(job());
    expect(topic).toBe(announcementTopics.published);
    expect(severity).toBe(20);
    expect(body).toMatchObject({
      status: 'published',
      arch: 'aarch64',
      source_ami: { region: 'us-east-1', ami: 'ami-0a1b2c3d4e5f60718' },
      product_id: 'prod-abc123def456',
      product_visibility: 'Public',
      offer_id: 'offer-abcdefghijklm',
      reason: null,
      job_id: 'job-41-arm64',
    });
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('says where the product stands, and refuses a visibility the Marketplace does not have', () => {
    const limited = buildAnnouncement(job({ product: { visibility: 'Limited' } })).body;
    expect(limited).toMatchObject({ product_visibility: 'Limited', offer_id: null });
    expect(validate(limited), JSON.stringify(validate.errors)).toBe(true);
    const unknown = buildAnnouncement(job({ product: undefined })).body;
    expect(unknown.product_visibility).toBeNull();
    expect(validate(unknown)).toBe(true);
    expect(validate({ ...limited, product_visibility: 'Listed' })).toBe(false);
    const { offer_id: _omitted, ...withoutOffer } = limited;
    expect(validate(withoutOffer)).toBe(false);
  });

  it('announces a failure at severity error, with the reason and nulls for what was never reached', () => {
    const failed = job({
      state: 'failed',
      reason: 'verify: ami-0a1b2c3d4e5f60718 is not owned by 125523088429',
      data: { mirroredAmis: {} },
      product: undefined,
    });
    const { topic, body, severity } = buildAnnouncement(failed);
    expect(topic).toBe(announcementTopics.failed);
    expect(severity).toBe(40);
    expect(body).toMatchObject({
      status: 'failed',
      product_id: null,
      product_visibility: null,
      offer_id: null,
      change_set_id: null,
      ssm_alias: null,
      mirrored_amis: {},
    });
    expect(body.reason).toContain('not owned');
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(buildAnnouncement({ ...failed, reason: '' }).body.reason).not.toBe('');
  });

  it('refuses to announce a job that is still running', () => {
    expect(() => buildAnnouncement(job({ state: 'await' }))).toThrow(InternalError);
  });
});

describe('announcement schema', () => {
  const published = buildAnnouncement(job()).body;

  it('rejects a published body without its product, a failure without a reason, and bad AMI maps', () => {
    expect(validate({ ...published, product_id: null })).toBe(false);
    expect(validate({ ...published, status: 'failed', reason: null })).toBe(false);
    expect(validate({ ...published, mirrored_amis: { 'not a region': 'ami-0123456789abcdef0' } })).toBe(
      false,
    );
    expect(validate({ ...published, mirrored_amis: { 'us-east-1': 'snap-0123456789abcdef0' } })).toBe(false);
    expect(validate({ ...published, extra: true })).toBe(false);
  });
});

describe('publishAnnouncement', () => {
  const bus = new BusFixture();
  const publisher = new BusPublisher({ config: bus.config });

  afterAll(async () => {
    await publisher.close();
    await bus.close();
  });

  it('publishes the built body under its topic, schema header and severity', async () => {
    await ensureRabbit();
    await bus.open();
    const receipt = await publishAnnouncement(
      publisher,
      job({ state: 'failed', reason: 'submit: change set FAILED' }),
    );
    const message = await bus.take();
    expect(message.fields.routingKey).toBe(`org.test.prod.${announcementTopics.failed}`);
    expect(message.properties.messageId).toBe(receipt.messageId);
    expect(message.properties.headers).toMatchObject({
      fedora_messaging_schema: announcementTopics.failed,
      fedora_messaging_severity: 40,
    });
    const body: unknown = JSON.parse(message.content.toString('utf8'));
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });
});
