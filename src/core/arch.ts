/** Fedora names the 64-bit Arm architecture `aarch64`; EC2 and the Marketplace call it `arm64`. */
export type AwsArch = 'x86_64' | 'arm64';
export type FedoraArch = 'x86_64' | 'aarch64';

export const awsArches: readonly AwsArch[] = ['x86_64', 'arm64'];

export function toAwsArch(arch: string): AwsArch | undefined {
  if (arch === 'x86_64') return 'x86_64';
  if (arch === 'aarch64' || arch === 'arm64') return 'arm64';
  return undefined;
}

export function toFedoraArch(arch: AwsArch): FedoraArch {
  return arch === 'arm64' ? 'aarch64' : 'x86_64';
}
