import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InstanceTypeInfo } from '../../src/cloud/ports.js';
import { InputError } from '../../src/core/errors.js';
import {
  compareInstanceTypes,
  deriveInstanceTypes,
  matchingExclusion,
  type InstanceTypeOptions,
} from '../../src/listing/instance-types.js';

interface RecordedType {
  InstanceType: string;
  CurrentGeneration: boolean;
  BareMetal: boolean;
  ProcessorInfo: { SupportedArchitectures: Array<'x86_64' | 'arm64' | 'i386'> };
  SupportedBootModes: Array<'legacy-bios' | 'uefi'>;
}

// DescribeInstanceTypes pages in the SDK's response shape, converted as an EC2 adapter would.
const pages = JSON.parse(
  readFileSync(new URL('./fixtures/describe-instance-types.us-east-1.json', import.meta.url), 'utf8'),
) as Array<{ InstanceTypes: RecordedType[]; NextToken?: string }>;
const types: InstanceTypeInfo[] = pages.flatMap((p) =>
  p.InstanceTypes.map((t) => ({
    instanceType: t.InstanceType,
    architectures: t.ProcessorInfo.SupportedArchitectures,
    bootModes: t.SupportedBootModes,
    currentGeneration: t.CurrentGeneration,
    bareMetal: t.BareMetal,
  })),
);

const x86: InstanceTypeOptions = {
  arch: 'x86_64',
  exclude: [],
  includePreviousGeneration: false,
  recommended: 't3.small',
};
const arm: InstanceTypeOptions = {
  arch: 'arm64',
  exclude: [],
  includePreviousGeneration: false,
  recommended: 't4g.small',
};

describe('deriveInstanceTypes', () => {
  it('lists current-generation x86_64 types in natural order', () => {
    expect(deriveInstanceTypes(types, x86)).toEqual([
      'c5.large',
      'c5.9xlarge',
      'c5.12xlarge',
      'c5n.large',
      'i7ie.48xlarge',
      'i7ie.metal-24xl',
      'i7ie.metal-48xl',
      'm5.large',
      'm5.xlarge',
      'm5.2xlarge',
      'm5.24xlarge',
      'm5.metal',
      'm7i-flex.large',
      'm10.large',
      't3.nano',
      't3.micro',
      't3.small',
      't3.medium',
      't3.large',
      't3.xlarge',
      't3.2xlarge',
    ]);
  });

  it('never lists a type of the other architecture', () => {
    const armTypes = deriveInstanceTypes(types, arm);
    expect(armTypes).toEqual([
      'c6g.large',
      'c6g.16xlarge',
      'm6g.large',
      'm6g.metal',
      't4g.nano',
      't4g.micro',
      't4g.small',
      't4g.medium',
    ]);
    const x86Types = deriveInstanceTypes(types, { ...x86, includePreviousGeneration: true });
    expect(x86Types.filter((t) => armTypes.includes(t))).toEqual([]);
    expect(x86Types.some((t) => t.startsWith('a1.') || t.startsWith('t4g.'))).toBe(false);
  });

  it('includes previous-generation types on request', () => {
    const all = deriveInstanceTypes(types, { ...x86, includePreviousGeneration: true });
    expect(all).toEqual(expect.arrayContaining(['t2.micro', 't2.small', 'm4.large']));
    expect(deriveInstanceTypes(types, { ...arm, includePreviousGeneration: true })).toEqual(
      expect.arrayContaining(['a1.large', 'a1.metal']),
    );
  });

  it('keeps only types that boot the image', () => {
    const legacy = deriveInstanceTypes(types, { ...x86, bootMode: 'legacy-bios' });
    expect(legacy.some((t) => t.startsWith('i7ie.'))).toBe(false);
    expect(legacy).toContain('t3.small');
    const uefi = deriveInstanceTypes(types, { ...x86, bootMode: 'uefi', includePreviousGeneration: true });
    expect(uefi).toContain('i7ie.48xlarge');
    expect(uefi.some((t) => t.startsWith('t2.') || t === 'm4.large')).toBe(false);
    const preferred = deriveInstanceTypes(types, {
      ...x86,
      bootMode: 'uefi-preferred',
      includePreviousGeneration: true,
    });
    expect(preferred).toEqual(expect.arrayContaining(['i7ie.48xlarge', 't2.micro']));
    expect(deriveInstanceTypes(types, { ...arm, bootMode: 'uefi' })).toHaveLength(8);
    expect(() => deriveInstanceTypes(types, { ...arm, bootMode: 'legacy-bios' })).toThrow(InputError);
  });

  it('applies exact, family and glob exclusions', () => {
    const listed = deriveInstanceTypes(types, { ...x86, exclude: ['t3.nano', 'c5', 'm5.*', '*.metal-*'] });
    expect(listed).toEqual([
      'c5n.large',
      'i7ie.48xlarge',
      'm7i-flex.large',
      'm10.large',
      't3.micro',
      't3.small',
      't3.medium',
      't3.large',
      't3.xlarge',
      't3.2xlarge',
    ]);
    expect(matchingExclusion('c5n.large', ['c5'])).toBeUndefined();
    expect(matchingExclusion('m5.large', ['m5.lar?e'])).toBe('m5.lar?e');
  });

  it('rejects a recommended type the listing would not offer, saying why', () => {
    const attempt = (
      opts: Partial<typeof x86> & { recommended: string; subvariant?: string; bootMode?: 'uefi' },
    ) => {
      try {
        deriveInstanceTypes(types, { ...x86, ...opts });
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).context;
      }
      throw new Error('expected an InputError');
    };
    const excluded = attempt({ recommended: 't3.small', exclude: ['t3'], subvariant: 'Cloud_Base' });
    expect(excluded.field).toBe('products.Cloud_Base.recommendedInstanceType');
    expect(excluded.value).toBe('t3.small');
    expect(excluded.rule).toMatch(/excluded by instanceTypes.exclude entry "t3"/);
    expect(attempt({ recommended: 't4g.small' }).rule).toMatch(/not an x86_64 instance type/);
    expect(attempt({ recommended: 't2.micro' }).rule).toMatch(/previous-generation/);
    expect(attempt({ recommended: 'z9.large' }).rule).toMatch(/does not offer z9.large/);
    expect(
      attempt({ recommended: 'm4.large', includePreviousGeneration: true, bootMode: 'uefi' }).rule,
    ).toMatch(/cannot boot an image with boot mode uefi/);
  });
});

describe('compareInstanceTypes', () => {
  it('orders sizes nano < micro < ... < xlarge < 2xlarge < 48xlarge < metal < metal-24xl', () => {
    const sizes = [
      'metal',
      '48xlarge',
      'xlarge',
      'nano',
      'metal-24xl',
      'large',
      '2xlarge',
      'micro',
      'medium',
      'small',
    ];
    expect(
      sizes
        .map((s) => `m7g.${s}`)
        .sort(compareInstanceTypes)
        .map((t) => t.slice(4)),
    ).toEqual([
      'nano',
      'micro',
      'small',
      'medium',
      'large',
      'xlarge',
      '2xlarge',
      '48xlarge',
      'metal',
      'metal-24xl',
    ]);
  });
});
