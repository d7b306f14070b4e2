import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/cloud/ports.js';
import { formatIssues, validateChange, validateChangeSet } from '../../src/listing/validate.js';

const examplesDir = '/work/shared/reference/catalog-examples';

function amiChange(
  changeType: string,
  details: unknown,
  identifier: string | null = 'prod-abcdefghijklm',
): Change {
  return {
    ChangeType: changeType,
    Entity:
      identifier === null ? { Type: 'AmiProduct@1.0' } : { Type: 'AmiProduct@1.0', Identifier: identifier },
    DetailsDocument: details,
  };
}

function deliveryOptions(overrides: Record<string, unknown> = {}, source: Record<string, unknown> = {}) {
  return {
    Version: { VersionTitle: '41.1.4', ReleaseNotes: 'Fedora 41' },
    DeliveryOptions: [
      {
        Details: {
          AmiDeliveryOptionDetails: {
            AmiSource: {
              AmiId: 'ami-0123456789abcdef0',
              AccessRoleArn: 'arn:aws:iam::111122223333:role/AWSMarketplaceAmiIngestion',
              UserName: 'fedora',
              OperatingSystemName: 'FEDORA',
              OperatingSystemVersion: '41',
              ScanningPort: 22,
              ...source,
            },
            UsageInstructions: 'ssh fedora@host',
            RecommendedInstanceType: 't3.small',
            SecurityGroups: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] }],
            ...overrides,
          },
        },
      },
    ],
  };
}

const detailsPath = 'DetailsDocument.DeliveryOptions[0].Details.AmiDeliveryOptionDetails';

function rulesAt(issues: { path: string; rule: string }[], path: string): string[] {
  return issues.filter((i) => i.path === path).map((i) => i.rule);
}

describe('validateChange: the catalog examples', () => {
  // Every upstream AmiProduct and Offer example is valid, except the ones with known defects or forms
  // this tool never sends (our rules are stricter there, on purpose).
  const files = readdirSync(examplesDir).filter(
    (f) => f.endsWith('.json') && !f.startsWith('DescribeEntity') && !f.startsWith('shapes-test'),
  );
  const expectedIssues: Record<string, string[]> = {
    // Upstream sample data: "Sample username" has a space, which the UserName pattern forbids.
    'AddDeliveryOptions.AmiProduct.api-samples.json': [`${detailsPath}.AmiSource.UserName`],
    // An hourly plus annual offer: two pricing terms; a free AMI product has one usage rate card.
    'UpdatePricingTerms.Offer.hourly-annual.json': [
      'DetailsDocument.Terms',
      'DetailsDocument.Terms[1].Type',
      'DetailsDocument.Terms[1].RateCards[0].Selector',
      'DetailsDocument.Terms[1].RateCards[0].Constraints',
    ],
  };
  for (const file of files) {
    it(`accepts ${file}`, () => {
      const doc = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as { ChangeSet: Change[] };
      const issues = doc.ChangeSet.flatMap(validateChange);
      expect(issues.map((i) => i.path)).toEqual(expectedIssues[file] ?? []);
    });
  }

  it('accepts every DetailsDocument of the shapes test', () => {
    const docs = JSON.parse(
      readFileSync(join(examplesDir, 'shapes-test.DetailsDocuments.AmiProduct.json'), 'utf8'),
    ) as Record<string, unknown>;
    for (const [key, details] of Object.entries(docs)) {
      const [changeType, wrapped] = key.endsWith('(one item)')
        ? [key.replace('(one item)', ''), [details]]
        : [key, details];
      const id = changeType === 'CreateProduct' ? null : 'prod-abcdefghijklm';
      expect(validateChange(amiChange(changeType, wrapped, id)), key).toEqual([]);
    }
  });
});

describe('validateChange: envelope', () => {
  it('rejects unknown change types and entity types', () => {
    const unknownType = validateChange(amiChange('AddThings', {}));
    expect(unknownType.map((i) => i.path)).toEqual(['ChangeType']);
    expect(unknownType[0]?.rule).toMatch(/^must be an AmiProduct@1.0 change type \(CreateProduct, /);
    const offerChangeOnProduct = validateChange(amiChange('ReleaseOffer', {}));
    expect(offerChangeOnProduct.map((i) => i.path)).toEqual(['ChangeType']);
    const unknownEntity = validateChange({
      ChangeType: 'CreateProduct',
      Entity: { Type: 'SaaSProduct@1.0' },
      DetailsDocument: {},
    });
    expect(unknownEntity).toEqual([
      { path: 'Entity.Type', value: 'SaaSProduct@1.0', rule: 'must be AmiProduct@1.0 or Offer@1.0' },
    ]);
  });

  it('requires an identifier except on CreateProduct, where it must be absent', () => {
    expect(rulesAt(validateChange(amiChange('ReleaseProduct', {}, null)), 'Entity.Identifier')[0]).toMatch(
      /required/,
    );
    expect(rulesAt(validateChange(amiChange('CreateProduct', {}, 'prod-x')), 'Entity.Identifier')[0]).toMatch(
      /absent/,
    );
    expect(validateChange(amiChange('ReleaseProduct', {}, '$CreateProduct.Entity.Identifier'))).toEqual([]);
    expect(
      rulesAt(validateChange(amiChange('ReleaseProduct', {}, 'prod x')), 'Entity.Identifier'),
    ).toHaveLength(1);
  });

  it('checks the ChangeName', () => {
    const change = { ...amiChange('CreateProduct', {}, null), ChangeName: 'Create-Product' };
    expect(validateChange(change)).toEqual([
      { path: 'ChangeName', value: 'Create-Product', rule: 'must be 1-72 letters' },
    ]);
  });
});

describe('validateChange: AddDeliveryOptions', () => {
  it('accepts a complete version', () => {
    expect(validateChange(amiChange('AddDeliveryOptions', deliveryOptions()))).toEqual([]);
  });

  it('limits the version title to 64 characters and says by how much', () => {
    const doc = deliveryOptions();
    doc.Version.VersionTitle = 'x'.repeat(71);
    expect(validateChange(amiChange('AddDeliveryOptions', doc))).toEqual([
      {
        path: 'DetailsDocument.Version.VersionTitle',
        value: 'x'.repeat(71),
        rule: 'at most 64 characters (got 71)',
      },
    ]);
  });

  it('rejects a blank-leading release note and a missing version', () => {
    const doc = deliveryOptions();
    doc.Version.ReleaseNotes = ' notes';
    expect(
      rulesAt(validateChange(amiChange('AddDeliveryOptions', doc)), 'DetailsDocument.Version.ReleaseNotes'),
    ).toEqual(['must start with a non-space character']);
    const { Version: _v, ...noVersion } = deliveryOptions();
    expect(validateChange(amiChange('AddDeliveryOptions', noVersion))).toEqual([
      { path: 'DetailsDocument.Version', rule: 'is required' },
    ]);
  });

  it.each([
    ['AmiId', 'ami-123', /AMI id/],
    ['AmiId', 'ami-0123456789abcdef', /AMI id/],
    ['AccessRoleArn', 'arn:aws:iam::1234:role/x', /IAM role ARN/],
    ['AccessRoleArn', 'arn:aws:iam::111122223333:user/x', /IAM role ARN/],
    ['UserName', '1fedora', /user name/],
    ['OperatingSystemName', 'F'.repeat(101), /at most 100 characters/],
    ['OperatingSystemVersion', '', /non-space/],
    ['ScanningPort', 0, /between 1 and 65535 \(got 0\)/],
    ['ScanningPort', 65536, /between 1 and 65535/],
    ['ScanningPort', '22', /must be an integer/],
  ])('AmiSource.%s = %j is rejected', (field, value, rule) => {
    const rules = rulesAt(
      validateChange(amiChange('AddDeliveryOptions', deliveryOptions({}, { [field]: value }))),
      `${detailsPath}.AmiSource.${field}`,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(rule);
  });

  it('reports both the length and the pattern of a 33-character user name', () => {
    const issues = validateChange(
      amiChange('AddDeliveryOptions', deliveryOptions({}, { UserName: 'f'.repeat(33) })),
    );
    expect(rulesAt(issues, `${detailsPath}.AmiSource.UserName`)).toEqual([
      'at most 32 characters (got 33)',
      'must be a user name: a letter, then up to 31 letters, digits, _ or -',
    ]);
  });

  it("accepts both AMI id lengths; refuses a role outside the commercial partition, as AWS's shape does", () => {
    const withRole = (AccessRoleArn: string) =>
      validateChange(
        amiChange('AddDeliveryOptions', deliveryOptions({}, { AmiId: 'ami-12345678', AccessRoleArn })),
      );
    expect(withRole('arn:aws:iam::111122223333:role/r')).toEqual([]);
    expect(
      rulesAt(withRole('arn:aws-us-gov:iam::111122223333:role/r'), `${detailsPath}.AmiSource.AccessRoleArn`),
    ).toEqual(['must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)']);
  });

  it('checks the recommended instance type pattern', () => {
    for (const bad of ['t3', 'T3.small', 't3.small.x', 'm7i-flex.large']) {
      const rules = rulesAt(
        validateChange(amiChange('AddDeliveryOptions', deliveryOptions({ RecommendedInstanceType: bad }))),
        `${detailsPath}.RecommendedInstanceType`,
      );
      expect(rules, bad).toEqual(['must be an instance type such as t3.small']);
    }
    expect(
      validateChange(
        amiChange('AddDeliveryOptions', deliveryOptions({ RecommendedInstanceType: 'c7gn.16xlarge' })),
      ),
    ).toEqual([]);
  });

  it('checks usage instructions, security groups and ports', () => {
    const issues = validateChange(
      amiChange(
        'AddDeliveryOptions',
        deliveryOptions({
          UsageInstructions: 'u'.repeat(4001),
          SecurityGroups: [
            {
              IpProtocol: 'tcpx',
              FromPort: 443,
              ToPort: 22,
              IpRanges: ['0.0.0.0./0', '1', '2', '3', '4', '5'],
            },
          ],
        }),
      ),
    );
    expect(issues.map((i) => `${i.path.replace(detailsPath, '')}: ${i.rule}`)).toEqual([
      '.UsageInstructions: at most 4000 characters (got 4001)',
      '.SecurityGroups[0].IpProtocol: at most 3 characters (got 4)',
      '.SecurityGroups[0].IpRanges: at most 5 items (got 6)',
      '.SecurityGroups[0].IpRanges[0]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].IpRanges[1]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].IpRanges[2]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].IpRanges[3]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].IpRanges[4]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].IpRanges[5]: must be a CIDR range such as 0.0.0.0/0',
      '.SecurityGroups[0].FromPort: must not exceed ToPort (22)',
    ]);
  });

  it('requires between 1 and 25 security groups and exactly one delivery option', () => {
    const none = rulesAt(
      validateChange(amiChange('AddDeliveryOptions', deliveryOptions({ SecurityGroups: [] }))),
      `${detailsPath}.SecurityGroups`,
    );
    expect(none).toEqual(['at least 1 item (got 0)']);
    const sg = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] };
    const many = rulesAt(
      validateChange(
        amiChange('AddDeliveryOptions', deliveryOptions({ SecurityGroups: Array(26).fill(sg) })),
      ),
      `${detailsPath}.SecurityGroups`,
    );
    expect(many).toEqual(['at most 25 items (got 26)']);
    const doc = deliveryOptions();
    doc.DeliveryOptions.push(doc.DeliveryOptions[0]!);
    expect(
      rulesAt(validateChange(amiChange('AddDeliveryOptions', doc)), 'DetailsDocument.DeliveryOptions'),
    ).toEqual(['exactly 1 item (got 2)']);
  });

  it('checks AccessEndpointUrl', () => {
    const issues = validateChange(
      amiChange(
        'AddDeliveryOptions',
        deliveryOptions({
          AccessEndpointUrl: { Port: 70000, Protocol: 'https', RelativePath: '/index.html' },
        }),
      ),
    );
    expect(issues.map((i) => i.rule)).toEqual([
      'must be between 1 and 65535 (got 70000)',
      'must not start with / or a space',
    ]);
  });

  it('reports unknown fields (typos)', () => {
    expect(
      validateChange(
        amiChange('AddDeliveryOptions', deliveryOptions({ RecommendedInstancetype: 't3.small' })),
      )[0],
    ).toMatchObject({
      path: `${detailsPath}.RecommendedInstancetype`,
      rule: expect.stringMatching(/^unknown field/),
    });
  });
});

describe('validateChange: UpdateInformation', () => {
  const info = {
    ProductTitle: 'Fedora 41 Cloud Base Images (x86_64) HVM',
    ShortDescription: 'short',
    LongDescription: 'long',
    Sku: 'fedora-41-cloud-base-x86_64',
    LogoUrl: 'https://fedoraproject.org/logo.png',
    VideoUrls: [],
    Highlights: ['a'],
    AdditionalResources: [{ Text: 'docs', Url: 'https://docs.fedoraproject.org/en-US/' }],
    SupportDescription: 'support',
    Categories: ['Operating Systems'],
    SearchKeywords: ['Fedora'],
  };

  it('accepts a complete document', () => {
    expect(validateChange(amiChange('UpdateInformation', info))).toEqual([]);
  });

  it.each([
    ['ProductTitle', 'T'.repeat(73), 'at most 72 characters (got 73)'],
    ['ShortDescription', 's'.repeat(1001), 'at most 1000 characters (got 1001)'],
    ['LongDescription', 'l'.repeat(5001), 'at most 5000 characters (got 5001)'],
    ['SupportDescription', 's'.repeat(2001), 'at most 2000 characters (got 2001)'],
    ['LogoUrl', 'http://fedoraproject.org/logo.png', 'must be an https:// URL'],
    ['VideoUrls', ['https://a.example.com/1', 'https://a.example.com/2'], 'at most 1 items (got 2)'],
    ['Highlights', [], 'at least 1 item (got 0)'],
    ['Highlights', ['a', 'b', 'c', 'd'], 'at most 3 items (got 4)'],
    ['Categories', ['a', 'b', 'c', 'd'], 'at most 3 items (got 4)'],
    ['SearchKeywords', Array(16).fill('k'), 'at most 15 items (got 16)'],
    [
      'AdditionalResources',
      Array(4).fill({ Text: 't', Url: 'https://a.example.com' }),
      'at most 3 items (got 4)',
    ],
    ['AssociatedProducts', ['prod-x'], 'is deprecated: not supported for UpdateInformation'],
  ])('%s = %j is rejected', (field, value, rule) => {
    expect(
      rulesAt(
        validateChange(amiChange('UpdateInformation', { ...info, [field]: value })),
        `DetailsDocument.${field}`,
      ),
    ).toEqual([rule]);
  });

  it('checks list items: highlight length, keyword length, resource URL', () => {
    const issues = validateChange(
      amiChange('UpdateInformation', {
        Highlights: ['h'.repeat(501)],
        SearchKeywords: ['k'.repeat(51)],
        AdditionalResources: [{ Text: 'x', Url: 'docs.fedoraproject.org' }],
      }),
    );
    expect(issues.map((i) => [i.path, i.rule])).toEqual([
      ['DetailsDocument.Highlights[0]', 'at most 500 characters (got 501)'],
      ['DetailsDocument.AdditionalResources[0].Url', 'must be an http:// or https:// URL'],
      ['DetailsDocument.SearchKeywords[0]', 'at most 50 characters (got 51)'],
    ]);
  });
});

describe('validateChange: regions, instance types, visibility, targeting, delivery option ids', () => {
  it('AddRegions: 1..100 region codes', () => {
    expect(
      rulesAt(validateChange(amiChange('AddRegions', { Regions: [] })), 'DetailsDocument.Regions'),
    ).toEqual(['at least 1 item (got 0)']);
    expect(
      rulesAt(
        validateChange(amiChange('RestrictRegions', { Regions: Array(101).fill('us-east-1') })),
        'DetailsDocument.Regions',
      ),
    ).toEqual(['at most 100 items (got 101)']);
    expect(validateChange(amiChange('AddRegions', { Regions: ['US East'] }))[0]?.rule).toBe(
      'must be a region code such as us-east-1',
    );
    expect(
      validateChange(
        amiChange('AddRegions', { Regions: ['us-gov-west-1', 'ap-southeast-5', 'cn-northwest-1'] }),
      ),
    ).toEqual([]);
  });

  it('UpdateFutureRegionSupport: exactly one of All, US, None', () => {
    const doc = (v: unknown[]) => ({ FutureRegionSupport: { SupportedRegions: v } });
    expect(validateChange(amiChange('UpdateFutureRegionSupport', doc(['US'])))).toEqual([]);
    expect(validateChange(amiChange('UpdateFutureRegionSupport', doc(['Everywhere'])))[0]?.rule).toBe(
      'must be one of All, US, None',
    );
    expect(validateChange(amiChange('UpdateFutureRegionSupport', doc(['All', 'US'])))[0]?.rule).toBe(
      'exactly 1 item (got 2)',
    );
    expect(validateChange(amiChange('UpdateFutureRegionSupport', {}))[0]).toEqual({
      path: 'DetailsDocument.FutureRegionSupport',
      rule: 'is required',
    });
  });

  it('AddInstanceTypes: 1..1500 names of at most 24 characters', () => {
    expect(
      validateChange(
        amiChange('AddInstanceTypes', {
          InstanceTypes: ['t3.micro', 'm7i-flex.large', 'u7i-12tb.224xlarge'],
        }),
      ),
    ).toEqual([]);
    expect(
      rulesAt(
        validateChange(amiChange('AddInstanceTypes', { InstanceTypes: [`m5.${'x'.repeat(22)}`] })),
        'DetailsDocument.InstanceTypes[0]',
      ),
    ).toEqual(['at most 24 characters (got 25)']);
    expect(validateChange(amiChange('RestrictInstanceTypes', { InstanceTypes: ['t3 small'] }))[0]?.rule).toBe(
      'must be an instance type such as t3.small',
    );
    expect(
      validateChange(amiChange('AddInstanceTypes', { InstanceTypes: Array(1501).fill('t3.micro') }))[0]?.rule,
    ).toBe('at most 1500 items (got 1501)');
  });

  it('UpdateVisibility: the TargetVisibility enum and the replacement product id', () => {
    expect(validateChange(amiChange('UpdateVisibility', { TargetVisibility: 'Hidden' }))[0]).toMatchObject({
      path: 'DetailsDocument.TargetVisibility',
      rule: 'must be one of Public, Restricted, Limited',
    });
    expect(
      validateChange(
        amiChange('UpdateVisibility', { TargetVisibility: 'Public', ReplacementProductId: 'prod-1' }),
      )[0]?.path,
    ).toBe('DetailsDocument.ReplacementProductId');
  });

  it('UpdateTargeting: up to 100 account ids', () => {
    expect(
      validateChange(amiChange('UpdateTargeting', { PositiveTargeting: { BuyerAccounts: ['1234'] } }))[0]
        ?.rule,
    ).toBe('must be a 12-digit AWS account id');
  });

  it('RestrictDeliveryOptions: 1..50 uuid-ish ids of at most 36 characters', () => {
    expect(validateChange(amiChange('RestrictDeliveryOptions', { DeliveryOptionIds: [] }))[0]?.rule).toBe(
      'at least 1 item (got 0)',
    );
    const long = `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(13)}`;
    expect(
      rulesAt(
        validateChange(amiChange('RestrictDeliveryOptions', { DeliveryOptionIds: [long] })),
        'DetailsDocument.DeliveryOptionIds[0]',
      ),
    ).toEqual(['at most 36 characters (got 37)', 'must be a delivery option id (a lower-case UUID)']);
    expect(
      validateChange(
        amiChange('RestrictDeliveryOptions', {
          DeliveryOptionIds: Array(51).fill('00000000-0000-0000-0000-000000000000'),
        }),
      )[0]?.rule,
    ).toBe('at most 50 items (got 51)');
  });

  it('ReleaseProduct takes an empty document; dimensions take a list', () => {
    expect(validateChange(amiChange('ReleaseProduct', { Anything: 1 }))[0]?.path).toBe(
      'DetailsDocument.Anything',
    );
    expect(validateChange(amiChange('AddDimensions', { Key: 'x' }))[0]?.rule).toBe(
      'must be a list (got a object)',
    );
    expect(
      validateChange(amiChange('RestrictDimensions', [{ Key: 'bad key', Types: ['Metered'] }]))[0]?.path,
    ).toBe('DetailsDocument[0].Key');
  });
});

function offerChange(
  changeType: string,
  details: unknown,
  identifier: string | null = 'offer-abcdefghijklm',
): Change {
  return {
    ChangeType: changeType,
    Entity: identifier === null ? { Type: 'Offer@1.0' } : { Type: 'Offer@1.0', Identifier: identifier },
    DetailsDocument: details,
  };
}

describe('validateChange: the offer', () => {
  const pricing = (rates: unknown, model = 'Usage', currency = 'USD') => ({
    PricingModel: model,
    Terms: [{ Type: 'UsageBasedPricingTerm', CurrencyCode: currency, RateCards: [{ RateCard: rates }] }],
  });

  it('accepts a free usage rate card and refuses anything that is not a decimal USD rate', () => {
    expect(
      validateChange(
        offerChange('UpdatePricingTerms', pricing([{ DimensionKey: 't3.small', Price: '0.00' }])),
      ),
    ).toEqual([]);
    const issues = validateChange(
      offerChange(
        'UpdatePricingTerms',
        pricing([{ DimensionKey: 't3 small', Price: 'free' }], 'Free', 'EUR'),
      ),
    );
    expect(issues.map((i) => [i.path, i.rule])).toEqual([
      ['DetailsDocument.Terms[0].CurrencyCode', 'must be one of USD'],
      ['DetailsDocument.Terms[0].RateCards[0].RateCard[0].DimensionKey', 'must be letters, digits, _ . or -'],
      ['DetailsDocument.Terms[0].RateCards[0].RateCard[0].Price', 'must be a decimal amount such as 0.00'],
      ['DetailsDocument.PricingModel', 'must be Usage: an AMI product is priced per instance-hour'],
    ]);
    expect(
      rulesAt(
        validateChange(offerChange('UpdatePricingTerms', pricing([]))),
        'DetailsDocument.Terms[0].RateCards[0].RateCard',
      ),
    ).toEqual(['at least 1 item (got 0)']);
  });

  it('needs the EULA document of the legal terms in one of the two documented forms', () => {
    const legal = (document: unknown) => ({ Terms: [{ Type: 'LegalTerm', Documents: [document] }] });
    expect(
      validateChange(
        offerChange('UpdateLegalTerms', legal({ Type: 'CustomEula', Url: 'https://e.org/eula' })),
      ),
    ).toEqual([]);
    expect(
      validateChange(offerChange('UpdateLegalTerms', legal({ Type: 'StandardEula', Version: '2022-07-14' }))),
    ).toEqual([]);
    expect(validateChange(offerChange('UpdateLegalTerms', legal({ Type: 'CustomEula' })))).toEqual([
      { path: 'DetailsDocument.Terms[0].Documents[0].Url', rule: 'is required for a CustomEula' },
    ]);
    expect(
      validateChange(
        offerChange('UpdateLegalTerms', legal({ Type: 'CustomEula', Url: 'http://e.org/eula' })),
      )[0]?.rule,
    ).toBe('must be an https:// URL');
  });

  it('needs a refund policy in the support terms, a name within 150 characters and a description within 255', () => {
    expect(
      validateChange(
        offerChange('UpdateSupportTerms', { Terms: [{ Type: 'SupportTerm', RefundPolicy: ' ' }] }),
      )[0]?.path,
    ).toBe('DetailsDocument.Terms[0].RefundPolicy');
    expect(
      validateChange(
        offerChange('UpdateSupportTerms', { Terms: [{ Type: 'LegalTerm', RefundPolicy: 'none' }] }),
      )[0]?.path,
    ).toBe('DetailsDocument.Terms[0].Type');
    const info = validateChange(
      offerChange('UpdateInformation', { Name: 'n'.repeat(151), Description: 'd'.repeat(256) }),
    );
    expect(info.map((i) => i.rule)).toEqual([
      'at most 150 characters (got 151)',
      'at most 255 characters (got 256)',
    ]);
  });

  it('creates the offer without an identifier, for a product id or a reference', () => {
    expect(validateChange(offerChange('CreateOffer', { ProductId: 'prod-abcdefghijklm' }, null))).toEqual([]);
    expect(
      validateChange(offerChange('CreateOffer', { ProductId: '$CreateProduct.Entity.Identifier' }, null)),
    ).toEqual([]);
    expect(
      validateChange(offerChange('CreateOffer', { ProductId: 'prod x' }, 'offer-x')).map((i) => i.path),
    ).toEqual(['Entity.Identifier', 'DetailsDocument.ProductId']);
  });
});

describe('validateChangeSet', () => {
  const create: Change = {
    ChangeType: 'CreateProduct',
    ChangeName: 'CreateProduct',
    Entity: { Type: 'AmiProduct@1.0' },
    DetailsDocument: {},
  };
  const ref = '$CreateProduct.Entity.Identifier';

  it('accepts a change set whose references resolve to earlier changes', () => {
    expect(validateChangeSet([create, amiChange('AddRegions', { Regions: ['us-east-1'] }, ref)])).toEqual([]);
  });

  it('requires 1 to 20 changes', () => {
    expect(validateChangeSet([])).toEqual([{ path: 'ChangeSet', rule: 'must hold 1 to 20 changes (got 0)' }]);
    const many = Array.from({ length: 21 }, (_, i) =>
      amiChange('AddRegions', { Regions: ['us-east-1'] }, `prod-${i}`),
    );
    expect(validateChangeSet(many)).toEqual([
      { path: 'ChangeSet', rule: 'must hold 1 to 20 changes (got 21)' },
    ]);
  });

  it('rejects a change type repeated on one entity', () => {
    const issues = validateChangeSet([
      amiChange('AddRegions', { Regions: ['us-east-1'] }),
      amiChange('AddRegions', { Regions: ['us-east-2'] }),
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('ChangeSet[1].ChangeType');
    expect(issues[0]?.rule).toMatch(/ChangeSet\[0\] already has AddRegions/);
  });

  it('rejects references to missing or later changes, and duplicate names', () => {
    const issues = validateChangeSet([
      amiChange('AddRegions', { Regions: ['us-east-1'] }, ref),
      create,
      { ...create },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['ChangeSet[0].Entity.Identifier', 'ChangeSet[2].ChangeName']);
  });

  it('checks the product reference of CreateOffer like an entity reference', () => {
    const offer = { ...offerChange('CreateOffer', { ProductId: ref }, null), ChangeName: 'CreateOffer' };
    expect(validateChangeSet([create, offer])).toEqual([]);
    expect(validateChangeSet([offer, create])).toEqual([
      {
        path: 'ChangeSet[0].DetailsDocument.ProductId',
        value: ref,
        rule: 'must reference the ChangeName of an earlier change (no earlier change is named CreateProduct)',
      },
    ]);
  });

  it('refuses Intent VALIDATE on anything but sets that only add versions', () => {
    const version = amiChange('AddDeliveryOptions', deliveryOptions());
    expect(validateChangeSet([version], 'VALIDATE')).toEqual([]);
    const mixed = [version, amiChange('AddRegions', { Regions: ['us-east-1'] })];
    expect(validateChangeSet(mixed, 'APPLY')).toEqual([]);
    expect(validateChangeSet(mixed, 'VALIDATE')).toEqual([
      {
        path: 'Intent',
        value: 'VALIDATE',
        rule: 'AWS offers VALIDATE only for change sets that add versions (AddDeliveryOptions) and nothing else; this one has AddDeliveryOptions, AddRegions',
      },
    ]);
  });

  it('prefixes change issues with their position and formats them', () => {
    const issues = validateChangeSet([create, amiChange('AddRegions', { Regions: [] }, ref)]);
    expect(issues).toEqual([
      { path: 'ChangeSet[1].DetailsDocument.Regions', rule: 'at least 1 item (got 0)' },
    ]);
    expect(formatIssues([{ path: 'a.b', value: 'x', rule: 'r' }])).toBe('a.b: r (value "x")');
  });
});
