/**
 * A realistic slice of EC2 instance types. Arm64 types boot UEFI only; x86 types boot both ways.
 * Some newer families are missing from some regions, as in real EC2.
 */
import type { InstanceTypeInfo } from '../ports.js';

interface Family {
  family: string;
  sizes: string[];
  arch: 'x86_64' | 'arm64';
  currentGeneration?: boolean;
  /** Regions where the family is not offered. */
  missingIn?: string[];
}

const families: Family[] = [
  { family: 't2', sizes: ['micro', 'small', 'medium', 'large'], arch: 'x86_64', currentGeneration: false },
  { family: 'm4', sizes: ['large', 'xlarge'], arch: 'x86_64', currentGeneration: false },
  { family: 't3', sizes: ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'], arch: 'x86_64' },
  {
    family: 't3a',
    sizes: ['small', 'medium', 'large'],
    arch: 'x86_64',
    missingIn: ['il-central-1', 'ca-west-1'],
  },
  { family: 'm5', sizes: ['large', 'xlarge', '2xlarge', 'metal'], arch: 'x86_64' },
  {
    family: 'm5zn',
    sizes: ['large', 'xlarge'],
    arch: 'x86_64',
    missingIn: ['af-south-1', 'me-south-1', 'il-central-1'],
  },
  { family: 'm6i', sizes: ['large', 'xlarge', '2xlarge', 'metal'], arch: 'x86_64' },
  {
    family: 'm7i',
    sizes: ['large', 'xlarge', '2xlarge'],
    arch: 'x86_64',
    missingIn: ['af-south-1', 'me-south-1', 'ap-east-1'],
  },
  { family: 'c6i', sizes: ['large', 'xlarge', '2xlarge', 'metal'], arch: 'x86_64' },
  { family: 'r6i', sizes: ['large', 'xlarge', '2xlarge'], arch: 'x86_64' },
  { family: 'a1', sizes: ['medium', 'large', 'xlarge'], arch: 'arm64', currentGeneration: false },
  { family: 't4g', sizes: ['micro', 'small', 'medium', 'large', 'xlarge'], arch: 'arm64' },
  { family: 'm6g', sizes: ['medium', 'large', 'xlarge', '2xlarge', 'metal'], arch: 'arm64' },
  {
    family: 'm7g',
    sizes: ['medium', 'large', 'xlarge', 'metal'],
    arch: 'arm64',
    missingIn: ['af-south-1', 'me-south-1'],
  },
  { family: 'c7g', sizes: ['medium', 'large', 'xlarge'], arch: 'arm64', missingIn: ['af-south-1'] },
  {
    family: 'r7g',
    sizes: ['medium', 'large', 'xlarge', '2xlarge'],
    arch: 'arm64',
    missingIn: ['af-south-1', 'il-central-1'],
  },
];

interface OfferedType extends InstanceTypeInfo {
  missingIn: string[];
}

const instanceTypes: OfferedType[] = families.flatMap((f) =>
  f.sizes.map((size) => ({
    instanceType: `${f.family}.${size}`,
    architectures: [f.arch],
    bootModes: f.arch === 'arm64' ? ['uefi'] : ['legacy-bios', 'uefi'],
    currentGeneration: f.currentGeneration ?? true,
    bareMetal: size === 'metal',
    missingIn: f.missingIn ?? [],
  })),
);

export function instanceTypesIn(region: string, architecture: 'x86_64' | 'arm64'): InstanceTypeInfo[] {
  return instanceTypes
    .filter((t) => t.architectures.includes(architecture) && !t.missingIn.includes(region))
    .map(({ missingIn: _missingIn, ...info }) => ({
      ...info,
      architectures: [...info.architectures],
      bootModes: [...info.bootModes],
    }));
}

export function isKnownInstanceType(name: string): boolean {
  return instanceTypes.some((t) => t.instanceType === name);
}
