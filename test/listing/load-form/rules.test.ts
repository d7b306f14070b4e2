import { describe, expect, it } from 'vitest';
import {
  amiId,
  httpsUrl,
  instanceType,
  maxLength,
  productId,
  searchKeywords,
  securityGroupCell,
} from '../../../src/listing/load-form/rules.js';

describe('load form cell rules', () => {
  it('AMI ids have 8 or 17 characters after ami-', () => {
    expect([amiId.test('ami-12345678'), amiId.test('ami-0a1b2c3d4e5f60718')]).toEqual([true, true]);
    expect([amiId.test('ami-123456789'), amiId.test('AMI-12345678'), amiId.test(null)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('URLs must be https without spaces', () => {
    expect(httpsUrl.test('https://fedoraproject.org/wiki/Legal')).toBe(true);
    expect(httpsUrl.test('http://fedoraproject.org')).toBe(false);
    expect(httpsUrl.test('https://fedora project.org')).toBe(false);
    expect(httpsUrl.test('https://localhost/x')).toBe(false);
  });

  it('security group cells are protocol,from,to,cidr with sane ports and addresses', () => {
    expect(securityGroupCell.test('tcp,22,22,0.0.0.0/0')).toBe(true);
    expect(securityGroupCell.test('udp,1000,2000,10.0.0.0/8')).toBe(true);
    expect(securityGroupCell.test('tcp,22,22')).toBe(false);
    expect(securityGroupCell.test('icmp,22,22,0.0.0.0/0')).toBe(false);
    expect(securityGroupCell.test('tcp,0,22,0.0.0.0/0')).toBe(false);
    expect(securityGroupCell.test('tcp,22,70000,0.0.0.0/0')).toBe(false);
    expect(securityGroupCell.test('tcp,22,22,300.0.0.0/0')).toBe(false);
    expect(securityGroupCell.test('tcp,22,22,0.0.0.0/33')).toBe(false);
  });

  it('search keywords: at most 15, each 1..50 characters', () => {
    expect(searchKeywords.test('Fedora,Linux')).toBe(true);
    expect(searchKeywords.test(Array.from({ length: 16 }, (_, i) => `k${i}`).join(','))).toBe(false);
    expect(searchKeywords.test(`Fedora,${'x'.repeat(51)}`)).toBe(false);
    expect(searchKeywords.test('Fedora,,Linux')).toBe(false);
  });

  it('lengths, instance types and product ids', () => {
    expect([maxLength(3).test('abc'), maxLength(3).test('abcd')]).toEqual([true, false]);
    expect([instanceType.test('t4g.small'), instanceType.test('t4g')]).toEqual([true, false]);
    expect(productId.test('prod-abcdefghij123')).toBe(true);
    expect(productId.test('502fb293-7b72-4a39-ae2a-9917cae2ee7e')).toBe(true);
    expect(productId.test('prod-short')).toBe(false);
  });
});
