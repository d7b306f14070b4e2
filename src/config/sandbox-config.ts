import type { ConfigInput } from './schema.js';

/**
 * The embedded default: a simulated AWS with made-up internal and seller accounts, so that the quick
 * start runs with no AWS account and no broker. examples/fedora.yaml is the real-world counterpart.
 */
export const sandboxAccounts = {
  internal: '111122223333',
  seller: '444455556666',
} as const;

export const sandboxConfig: ConfigInput = {
  cloud: { adapter: 'sim' },
  partitions: {
    aws: {
      baseRegion: 'us-east-1',
      mirrorRegions: ['us-east-2', 'eu-west-1'],
      internalAccount: { accountId: sandboxAccounts.internal },
      sellerAccount: { accountId: sandboxAccounts.seller },
      marketplace: {
        shareWithAccounts: ['679593333241', '684062674729', '264483973329'],
        accessRoleArn: `arn:aws:iam::${sandboxAccounts.seller}:role/AWSMarketplaceAmiIngestion`,
      },
    },
  },
  products: {
    Cloud_Base: {
      title: 'Fedora {release} Cloud Base Images ({fedoraArch}) HVM',
      shortDescription:
        'Fedora Cloud Base {release} ({fedoraArch}): the official Fedora Linux image for cloud instances, built and signed by the Fedora Project.',
      longDescription:
        'Fedora Cloud Base is a minimal, general-purpose Fedora Linux image for public and private clouds. ' +
        'It ships the latest stable Linux kernel, systemd, cloud-init, dnf and SELinux in enforcing mode, and is ' +
        'built by the Fedora Project from the same packages as every other Fedora edition. Each version in this ' +
        'listing is an official Fedora compose, mirrored unchanged from the public images the Fedora Project publishes.',
      highlights: [
        'Official image built by the Fedora Project, updated with every release and respin',
        'Leading-edge, upstream-first Linux: current kernel, systemd, cloud-init and SELinux enforcing',
        'Free and open source; community support through Fedora forums, mailing lists and Matrix',
      ],
      categories: ['Operating Systems'],
      searchKeywords: ['Fedora', 'Fedora Linux', 'Linux', 'Cloud Base', 'open source', 'operating system'],
      additionalResources: [
        { text: 'Fedora Cloud documentation', url: 'https://docs.fedoraproject.org/en-US/fedora-cloud/' },
        {
          text: 'Fedora release notes',
          url: 'https://docs.fedoraproject.org/en-US/fedora/latest/release-notes/',
        },
      ],
      supportDescription:
        'Fedora is supported by its community: Ask Fedora (https://discussion.fedoraproject.org), the Fedora Cloud SIG, and Matrix #cloud:fedoraproject.org.',
      logoUrl: 'https://fedoraproject.org/assets/images/logos/fedora-black.png',
      eulaUrl: 'https://fedoraproject.org/wiki/Legal:Licenses/LicenseAgreement',
      refundPolicy:
        'Fedora is free of charge: there is no software fee to refund. AWS infrastructure charges are billed by AWS.',
      visibility: 'public',
      usageInstructions:
        'Launch an instance from this image and connect with SSH as the user "fedora" using the key pair chosen at launch: ssh fedora@<instance address>. Use sudo for administration.',
      upgradeInstructions:
        'Update a running instance with "sudo dnf upgrade --refresh". To move to a newer Fedora release, use "sudo dnf system-upgrade" as documented in the Fedora Quick Docs, or launch the newer version of this product.',
      recommendedInstanceType: 't3.small',
      versionTitle: '{release}.{label}',
      releaseNotes:
        'Fedora {release} Cloud Base ({fedoraArch}), compose {composeId}, image {imageName}. ' +
        'Release notes: https://docs.fedoraproject.org/en-US/fedora/f{release}/release-notes/',
      architectures: { arm64: { recommendedInstanceType: 't4g.small' } },
    },
  },
};
