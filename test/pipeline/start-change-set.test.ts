import { describe, expect, it } from 'vitest';
import type { CatalogPort, Change, StartChangeSetRequest } from '../../src/cloud/ports.js';
import { InputError } from '../../src/core/errors.js';
import { startCheckedChangeSet } from '../../src/pipeline/start-change-set.js';

/** A Catalog that records what reaches it; only StartChangeSet is called here. */
function recordingCatalog(): { catalog: CatalogPort; sent: StartChangeSetRequest[] } {
  const sent: StartChangeSetRequest[] = [];
  const catalog = {
    startChangeSet: async (request: StartChangeSetRequest) => {
      sent.push(request);
      return { changeSetId: 'cs-1', changeSetArn: 'arn:cs-1' };
    },
  } as unknown as CatalogPort;
  return { catalog, sent };
}

const pricing = (price: string): Change => ({
  ChangeType: 'UpdatePricingTerms',
  Entity: { Type: 'Offer@1.0', Identifier: 'offer-abcdefghijklm' },
  DetailsDocument: {
    PricingModel: 'Usage',
    Terms: [
      {
        Type: 'UsageBasedPricingTerm',
        CurrencyCode: 'USD',
        RateCards: [{ RateCard: [{ DimensionKey: 't3.small', Price: price }] }],
      },
    ],
  },
});

const request = (changes: Change[], intent: 'APPLY' | 'VALIDATE' = 'APPLY'): StartChangeSetRequest => ({
  changes,
  changeSetName: 'fedora-marketplace test',
  clientRequestToken: 'token-1',
  intent,
});

describe('startCheckedChangeSet', () => {
  it('sends a set that keeps the rules', async () => {
    const { catalog, sent } = recordingCatalog();
    await expect(startCheckedChangeSet(catalog, request([pricing('0.00')]))).resolves.toEqual({
      changeSetId: 'cs-1',
      changeSetArn: 'arn:cs-1',
    });
    expect(sent).toHaveLength(1);
  });

  it('refuses a set AWS would refuse before sending it, naming the field, the value and the rule', async () => {
    const { catalog, sent } = recordingCatalog();
    const error = await startCheckedChangeSet(catalog, request([pricing('free')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).context).toMatchObject({
      field: 'ChangeSet[0].DetailsDocument.Terms[0].RateCards[0].RateCard[0].Price',
      value: 'free',
      rule: 'must be a decimal amount such as 0.00',
    });
    expect((error as InputError).describe()).toMatch(/nothing was sent/);
    expect(sent).toEqual([]);
  });

  it('refuses Intent VALIDATE on a set that does more than add a version', async () => {
    const { catalog, sent } = recordingCatalog();
    const error = await startCheckedChangeSet(catalog, request([pricing('0.00')], 'VALIDATE')).catch(
      (e: unknown) => e,
    );
    expect((error as InputError).context).toMatchObject({ field: 'Intent', value: 'VALIDATE' });
    expect(sent).toEqual([]);
  });
});
