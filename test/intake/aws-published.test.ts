import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseAwsPublished } from '../../src/intake/aws-published.js';

const valid = {
  architecture: 'x86_64',
  compose_id: 'Fedora-41-20241027.0',
  image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
  regions: { 'us-east-1': 'ami-0a1b2c3d4e5f60718', 'eu-west-1': 'ami-12345678' },
  release: 41,
  subvariant: 'Cloud_Base',
};

function rejection(body: unknown): InputError {
  try {
    parseAwsPublished(body, 'msg.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseAwsPublished', () => {
  it('accepts a current body and keeps unknown keys (forward compatible)', () => {
    expect(parseAwsPublished({ ...valid, build_id: 123 })).toEqual({ ...valid, build_id: 123 });
  });

  it('accepts an old body without release and subvariant', () => {
    const { release: _r, subvariant: _s, ...old } = valid;
    expect(parseAwsPublished(old)).toEqual(old);
  });

  it.each([
    [
      'a bad AMI id',
      { regions: { 'us-east-1': 'ami-XYZ' } },
      'body.regions.us-east-1',
      'ami-XYZ',
      /8 to 17 hex digits/,
    ],
    [
      'a too long AMI id',
      { regions: { 'us-east-1': `ami-${'a'.repeat(18)}` } },
      'body.regions.us-east-1',
      `ami-${'a'.repeat(18)}`,
      /hex/,
    ],
    [
      'a bad region key',
      { regions: { US_EAST_1: 'ami-12345678' } },
      'body.regions.US_EAST_1',
      'US_EAST_1',
      /region codes/,
    ],
    ['no regions', { regions: {} }, 'body.regions', {}, /at least one region/],
    ['regions as a list', { regions: ['us-east-1'] }, 'body.regions', ['us-east-1'], /region -> AMI id/],
    ['a missing architecture', { architecture: undefined }, 'body.architecture', undefined, /required/],
    ['a numeric compose id', { compose_id: 41 }, 'body.compose_id', 41, /string/],
    ['a fractional release', { release: 41.5 }, 'body.release', 41.5, /integer/],
    ['a string release', { release: '41' }, 'body.release', '41', /integer/],
    ['an empty subvariant', { subvariant: '' }, 'body.subvariant', '', /empty/],
  ])('rejects %s naming field, value and rule', (_name, patch, field, value, rule) => {
    const err = rejection({ ...valid, ...patch });
    expect(err.context.field).toBe(field);
    expect(err.context.value).toEqual(value);
    expect(err.context.rule).toMatch(rule);
    expect(err.message).toContain('msg.json');
  });

  it('describes the error in one line a person can act on', () => {
    const text = rejection({ ...valid, regions: { 'us-east-1': 'ami-XYZ' } }).describe();
    expect(text).toContain('field: body.regions.us-east-1');
    expect(text).toContain('value: "ami-XYZ"');
    expect(text).toContain('rule: must be an AMI id');
  });
});
