/**
 * Reconcile: the desired state of one product against what DescribeEntity shows, as the smallest
 * change set that closes the gap, plus a readable diff. Planning against the entity that results
 * from applying a plan gives an empty plan (checked with `applyChanges`).
 */
import type { AmiProductDetails, Change, EntityDescription, OfferDetails } from '../cloud/ports.js';
import { formatValue, InternalError } from '../core/errors.js';
import {
  addDeliveryOptions,
  addRegions,
  changeSetsOf,
  createdProductRef,
  informationDiff,
  informationDocument,
  newProductGroups,
  updateFutureRegionSupport,
  updateInformation,
  type ProductMetadata,
} from './change-set.js';
import { formatAge, type ImageAge } from '../core/model/image-age.js';
import type { ProductListing } from '../core/model/listing.js';
import { futureRegionSupportDiffers } from './entity-reading.js';
import { offerPlan, productChange, type CurrentOffer, type OfferListing } from './offer.js';
import type { PlanDiff } from './plan-diff.js';
import { apiRegions } from './regions.js';
import { offerEntityType } from './validate.js';

export interface DesiredProduct {
  productId?: string;
  metadata: ProductMetadata;
  /** The public offer: its name, description and terms. */
  offer: OfferListing;
  regions: string[];
  futureRegionSupport: 'All' | 'US' | 'None';
  /** The part of `regions` only a Marketplace representative can enable: never in a change set. */
  representativeRegions: string[];
  instanceTypes: string[];
  /**
   * Every version published for the product (each listing carries its title, AMI and image age), oldest
   * first by image age: the newest `keepVersions` of them should be available.
   */
  versions: ProductListing[];
}

/** What retention decided for one version, in the order it used (newest image first). */
export interface RetentionEntry {
  versionTitle: string;
  /** The image's age, when the version is one this tool published (else it orders by CreationDate). */
  imageAge?: ImageAge;
  creationDate?: string;
  decision:
    | 'keep'
    /** Missing on the product: this plan adds it. */
    | 'add'
    /** Missing, older than the one this plan adds: a later plan adds it. */
    | 'add-later'
    | 'restrict'
    /** Beyond keepVersions, restricted once the versions being added have succeeded. */
    | 'restrict-later'
    /** Beyond keepVersions, but the newest version or the last public one: never restricted. */
    | 'keep-guarded'
    | 'restricted'
    /** Beyond keepVersions and never added: nothing to do. */
    | 'not-listed';
}

export interface ProductPlan {
  productId?: string;
  productTitle: string;
  /** Draft, Limited, Public or Restricted, as DescribeEntity shows the product now. */
  visibility?: string;
  /** The product's offer, when it has one. */
  offerId?: string;
  /** The next change set: at most 20 changes, the groups that must share a set kept together. */
  changes: Change[];
  /** Changes that did not fit and follow, planned again, once `changes` succeeded. */
  deferred: number;
  /** Every difference, whether its change is in `changes` or deferred. */
  diff: PlanDiff[];
  /** The order retention used, newest first, and its decision per version (`plan` prints it). */
  retention: RetentionEntry[];
}

/** What DescribeEntity shows of a product and of its offer (none yet: undefined). */
export interface CurrentListing {
  product: EntityDescription;
  offer?: CurrentOffer;
}

export interface PlanOptions {
  /** Versions that stay available; older ones (by image age) are restricted. */
  keepVersions: number;
  /** The release's end of life: from then on the product is restricted. */
  endOfLife?: Date;
  now: Date;
}

/** One change set may carry at most 50 delivery option ids per RestrictDeliveryOptions. */
const maxRestrictIds = 50;

/** The desired product of one listing (its version being the only one to add). */
export function desiredProductOf(listing: ProductListing): DesiredProduct {
  return {
    ...(listing.productId ? { productId: listing.productId } : {}),
    metadata: listing,
    offer: listing,
    regions: [...listing.regions],
    representativeRegions: [...listing.representativeRegions],
    futureRegionSupport: listing.futureRegionSupport,
    instanceTypes: [...listing.instanceTypes],
    versions: [listing],
  };
}

const isRestricted = (o: { Visibility?: string }) => o.Visibility === 'Restricted';

/** The plan of `groups`: the first change set now, the rest counted as deferred. */
function planOf(base: Omit<ProductPlan, 'changes' | 'deferred'>, groups: Change[][]): ProductPlan {
  const [first = [], ...later] = changeSetsOf(groups);
  return { ...base, changes: first, deferred: later.reduce((n, set) => n + set.length, 0) };
}

export function planProduct(
  desired: DesiredProduct,
  current: CurrentListing | undefined,
  opts: PlanOptions,
): ProductPlan {
  const productTitle = desired.metadata.productTitle;
  const endOfLife = opts.endOfLife !== undefined && opts.now.getTime() >= opts.endOfLife.getTime();
  if (!current) {
    // Never create a product for a release that is already past end of life.
    if (endOfLife || desired.versions.length === 0)
      return { productTitle, changes: [], deferred: 0, diff: [], retention: [] };
    return newProductPlan(desired, productTitle, opts.keepVersions);
  }

  const id = current.product.entityId;
  const details = current.product.details;
  const groups: Change[][] = [];
  const diff: PlanDiff[] = [];
  const visibility = details.Description?.Visibility;
  const seen = {
    productId: id,
    productTitle,
    ...(visibility ? { visibility } : {}),
    ...(current.offer ? { offerId: current.offer.entityId } : {}),
  };
  if (endOfLife) {
    const from = details.Description?.Visibility;
    // A draft was never offered to buyers, and the Marketplace refuses visibility changes on drafts.
    if (from !== 'Restricted' && from !== 'Draft') {
      groups.push([productChange('UpdateVisibility', id, { TargetVisibility: 'Restricted' })]);
      diff.push({ kind: 'visibility', from, to: 'Restricted' });
    }
    return planOf({ ...seen, diff, retention: [] }, groups);
  }

  const info = informationDiff(desired.metadata, details);
  if (info.length > 0) {
    const full = informationDocument(desired.metadata);
    groups.push([updateInformation(id, Object.fromEntries(info.map((d) => [d.field, full[d.field]])))]);
    for (const d of info) diff.push({ kind: 'metadata', field: d.field, from: d.from, to: d.to });
  }

  const haveRegions = details.RegionAvailability?.Regions ?? [];
  const regionsToAdd = apiRegions(desired).filter((r) => !haveRegions.includes(r));
  const regionsToRestrict = haveRegions.filter((r) => !desired.regions.includes(r));
  const waiting = desired.representativeRegions.filter((r) => !haveRegions.includes(r));
  if (waiting.length > 0) diff.push({ kind: 'needs-representative', to: waiting });
  if (regionsToAdd.length > 0) {
    groups.push([addRegions(id, regionsToAdd)]);
    diff.push({ kind: 'regions-added', to: regionsToAdd });
  }
  if (regionsToRestrict.length > 0) {
    groups.push([productChange('RestrictRegions', id, { Regions: regionsToRestrict })]);
    diff.push({ kind: 'regions-restricted', from: regionsToRestrict });
  }
  const future = details.RegionAvailability?.FutureRegionSupport ?? undefined;
  if (futureRegionSupportDiffers(details, desired.futureRegionSupport)) {
    groups.push([updateFutureRegionSupport(id, desired.futureRegionSupport)]);
    diff.push({
      kind: 'metadata',
      field: 'FutureRegionSupport',
      from: future,
      to: desired.futureRegionSupport,
    });
  }

  // Instance types with their dimensions and rates, and the offer's terms (or the offer itself).
  const offer = offerPlan({
    productId: id,
    offer: desired.offer,
    instanceTypes: desired.instanceTypes,
    product: details,
    current: current.offer,
    restrict: true,
  });
  groups.push(...offer.groups);
  diff.push(...offer.diff);

  const retention = retentionOf(desired, details.Versions ?? [], opts.keepVersions);
  const adding = retention.entries.find((e) => e.decision === 'add');
  const version = adding && desired.versions.find((v) => v.versionTitle === adding.versionTitle);
  if (version) {
    groups.push([addDeliveryOptions(id, version)]);
    diff.push({ kind: 'version-added', field: version.versionTitle, to: version.amiId });
  }
  const restrictIds: string[] = [];
  for (const { versionTitle, ids } of retention.restrict) {
    if (restrictIds.length + ids.length > maxRestrictIds) break;
    restrictIds.push(...ids);
    diff.push({ kind: 'version-restricted', field: versionTitle, from: ids });
  }
  if (restrictIds.length > 0)
    groups.push([productChange('RestrictDeliveryOptions', id, { DeliveryOptionIds: restrictIds })]);
  return planOf({ ...seen, diff, retention: retention.entries }, groups);
}

type EntityVersion = NonNullable<AmiProductDetails['Versions']>[number];

const publicIds = (v: EntityVersion) =>
  (v.DeliveryOptions ?? []).filter((o) => !isRestricted(o) && o.Id).map((o) => o.Id as string);

/**
 * Newest first: the versions this tool published in their desired order (oldest image first, so
 * reversed), then any others the product shows, by CreationDate.
 */
function newestFirst(
  a: { rank?: number; creationDate?: string },
  b: { rank?: number; creationDate?: string },
): number {
  if (a.rank !== undefined && b.rank !== undefined) return b.rank - a.rank;
  if (a.rank !== undefined || b.rank !== undefined) return a.rank !== undefined ? -1 : 1;
  return (b.creationDate ?? '').localeCompare(a.creationDate ?? '');
}

/**
 * Retention: every version the product shows or should show, newest image first. The newest
 * `keepVersions` stay; older public ones are restricted, but never while a version is still being added
 * (a restriction that depends on a new version waits until that version's change set succeeded), never
 * the newest version, and never the last public one.
 */
function retentionOf(
  desired: DesiredProduct,
  versions: EntityVersion[],
  keepVersions: number,
): { entries: RetentionEntry[]; restrict: Array<{ versionTitle: string; ids: string[] }> } {
  const ours = new Map(desired.versions.map((v, rank) => [v.versionTitle, { rank, imageAge: v.imageAge }]));
  const shown = new Map(versions.flatMap((v) => (v.VersionTitle ? [[v.VersionTitle, v] as const] : [])));
  const titles = [...new Set([...shown.keys(), ...ours.keys()])];
  const ordered = titles
    .map((versionTitle) => {
      const { rank, imageAge } = ours.get(versionTitle) ?? {};
      const creationDate = shown.get(versionTitle)?.CreationDate;
      return {
        versionTitle,
        ...(rank !== undefined ? { rank } : {}),
        ...(imageAge ? { imageAge } : {}),
        ...(creationDate ? { creationDate } : {}),
      };
    })
    .sort(newestFirst);

  const kept = ordered.slice(0, keepVersions);
  const missing = kept.filter((v) => !shown.has(v.versionTitle));
  // A change set may add one version: the oldest missing first, so the newest is added last.
  const toAdd = missing.at(-1)?.versionTitle;
  const newestShown = ordered.find((v) => shown.has(v.versionTitle))?.versionTitle;
  let publicLeft = ordered.filter((v) => {
    const version = shown.get(v.versionTitle);
    return version !== undefined && publicIds(version).length > 0;
  }).length;

  const restrict: Array<{ versionTitle: string; ids: string[] }> = [];
  const entries: RetentionEntry[] = ordered.map(({ rank: _rank, ...v }, index) => {
    const version = shown.get(v.versionTitle);
    const decide = (decision: RetentionEntry['decision']): RetentionEntry => ({ ...v, decision });
    if (index < keepVersions) {
      if (version) return decide('keep');
      return decide(v.versionTitle === toAdd ? 'add' : 'add-later');
    }
    if (!version) return decide('not-listed');
    const ids = publicIds(version);
    if (ids.length === 0) return decide('restricted');
    if (v.versionTitle === newestShown || publicLeft <= 1) return decide('keep-guarded');
    if (missing.length > 0) return decide('restrict-later');
    publicLeft -= 1;
    restrict.push({ versionTitle: v.versionTitle, ids });
    return decide('restrict');
  });
  return { entries, restrict };
}

/**
 * A new product, paired with its offer, with the oldest of the versions to keep: the newer ones follow,
 * the newest last.
 */
function newProductPlan(desired: DesiredProduct, productTitle: string, keepVersions: number): ProductPlan {
  const retention = retentionOf(desired, [], keepVersions);
  const first = retention.entries.find((e) => e.decision === 'add');
  const version = desired.versions.find((v) => v.versionTitle === first?.versionTitle) as ProductListing;
  const info = informationDocument(desired.metadata);
  const regions = apiRegions(desired);
  const waiting = desired.representativeRegions;
  // The same words as for an existing product with nothing yet: the offer, its rates and terms.
  const offer = offerPlan({
    productId: createdProductRef,
    offer: desired.offer,
    instanceTypes: desired.instanceTypes,
    product: {},
    current: undefined,
    restrict: false,
  });
  return planOf(
    {
      productTitle,
      diff: [
        ...Object.entries(info).map(([field, to]) => ({ kind: 'metadata' as const, field, to })),
        ...(regions.length > 0 ? [{ kind: 'regions-added' as const, to: regions }] : []),
        ...(waiting.length > 0 ? [{ kind: 'needs-representative' as const, to: waiting }] : []),
        { kind: 'metadata', field: 'FutureRegionSupport', to: desired.futureRegionSupport },
        ...offer.diff,
        { kind: 'version-added', field: version.versionTitle, to: version.amiId },
      ],
      retention: retention.entries,
    },
    newProductGroups(
      {
        ...desired.metadata,
        ...desired.offer,
        regions: desired.regions,
        representativeRegions: desired.representativeRegions,
        futureRegionSupport: desired.futureRegionSupport,
        instanceTypes: desired.instanceTypes,
      },
      version,
    ),
  );
}

function listText(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : formatValue(value);
}

function diffLine(d: PlanDiff): string {
  switch (d.kind) {
    case 'metadata':
      return `~ ${d.field}: ${d.from === undefined ? '(unset)' : formatValue(d.from)} -> ${formatValue(d.to)}`;
    case 'regions-added':
      return `+ regions: ${listText(d.to)}`;
    case 'regions-restricted':
      return `- regions: ${listText(d.from)}`;
    case 'instance-types-added':
      return `+ instance types: ${listText(d.to)}`;
    case 'instance-types-restricted':
      return `- instance types: ${listText(d.from)}`;
    case 'dimensions-added':
      return `+ pricing dimensions: ${listText(d.to)}`;
    case 'dimensions-restricted':
      return `- pricing dimensions: ${listText(d.from)}`;
    case 'rate-card':
      return `~ offer rate card: ${String(d.from)} -> ${String(d.to)}`;
    case 'offer-created':
      return `+ offer "${String(d.to)}"`;
    case 'offer':
      return `~ offer ${d.field}: ${d.from === undefined ? '(unset)' : formatValue(d.from)} -> ${formatValue(d.to)}`;
    case 'version-added':
      return `+ version ${d.field} (${String(d.to)})`;
    case 'version-restricted':
      return `- version ${d.field} (delivery options ${listText(d.from)})`;
    case 'visibility':
      return `! visibility: ${d.from ?? '(unset)'} -> ${String(d.to)}`;
    case 'needs-representative':
      return `? GovCloud: needs a Marketplace representative (${listText(d.to)}; see the load form)`;
  }
}

const decisionWords: Record<RetentionEntry['decision'], string> = {
  keep: 'keep',
  add: 'add now',
  'add-later': 'add in a later change set',
  restrict: 'restrict now',
  'restrict-later': 'restrict once the versions being added have succeeded',
  'keep-guarded': 'keep (the newest version, or the last public one, is never restricted)',
  restricted: 'restricted',
  'not-listed': 'not listed (beyond keepVersions)',
};

function retentionLine(e: RetentionEntry): string {
  const age = e.imageAge
    ? formatAge(e.imageAge)
    : `not published by this tool: added ${e.creationDate ?? '(date unknown)'}`;
  return `    ${e.versionTitle}: ${decisionWords[e.decision]} [${age}]`;
}

/** A readable diff of several plans: one block per product, with the version order retention used. */
export function formatPlan(plans: ProductPlan[]): string {
  return plans
    .map((p) => {
      const name = `${p.productId ?? '(new product)'} "${p.productTitle}"${p.visibility ? ` (${p.visibility})` : ''}`;
      const order =
        p.retention.length > 1
          ? ['  versions, newest first (by compose date and respin):', ...p.retention.map(retentionLine)]
          : [];
      const later = p.deferred > 0 ? `; ${p.deferred} more in a following change set` : '';
      const head =
        p.changes.length === 0
          ? `${name}: up to date`
          : `${name}: ${p.changes.length} change${p.changes.length === 1 ? '' : 's'} (${p.changes.map((c) => c.ChangeType).join(', ')})${later}`;
      return [head, ...p.diff.map((d) => `  ${diffLine(d)}`), ...order].join('\n');
    })
    .join('\n');
}

// ---------------------------------------------------------------- applying changes (tests, simulation)

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * What DescribeEntity would show of the product after `changes` succeed, without side effects (the
 * offer's changes are `applyOfferChanges`'). New versions get deterministic ids and `now` as CreationDate.
 */
export function applyChanges(details: AmiProductDetails, changes: Change[], now: Date): AmiProductDetails {
  const next = structuredClone(details);
  for (const c of changes) {
    if (c.Entity.Type === offerEntityType) continue;
    const doc = c.DetailsDocument as Record<string, unknown>;
    switch (c.ChangeType) {
      case 'CreateProduct':
        next.Description = {
          ...next.Description,
          ProductTitle: doc.ProductTitle as string,
          Visibility: 'Draft',
        };
        break;
      case 'ReleaseProduct':
        (next.Description ??= {}).Visibility = 'Limited';
        break;
      case 'AddDimensions': {
        const items = c.DetailsDocument as Array<{
          Key: string;
          Name: string;
          Description: string;
          Unit: string;
          Types: string[];
        }>;
        next.Dimensions = [...(next.Dimensions ?? []), ...items.map((d) => structuredClone(d))];
        break;
      }
      case 'RestrictDimensions': {
        const keys = (c.DetailsDocument as Array<{ Key: string }>).map((d) => d.Key);
        next.Dimensions = (next.Dimensions ?? []).filter((d) => !keys.includes(d.Key ?? ''));
        break;
      }
      case 'UpdateInformation': {
        const d = (next.Description ??= {});
        const p = (next.PromotionalResources ??= {});
        if ('ProductTitle' in doc) d.ProductTitle = doc.ProductTitle as string;
        if ('ShortDescription' in doc) d.ShortDescription = doc.ShortDescription as string;
        if ('LongDescription' in doc) d.LongDescription = doc.LongDescription as string;
        if ('Sku' in doc) d.Sku = doc.Sku as string;
        if ('Highlights' in doc) d.Highlights = [...(doc.Highlights as string[])];
        if ('Categories' in doc) d.Categories = [...(doc.Categories as string[])];
        if ('SearchKeywords' in doc) d.SearchKeywords = [...(doc.SearchKeywords as string[])];
        if ('LogoUrl' in doc) p.LogoUrl = doc.LogoUrl as string;
        if ('VideoUrls' in doc) p.Videos = (doc.VideoUrls as string[]).map((Url) => ({ Type: 'Link', Url }));
        if ('AdditionalResources' in doc)
          p.AdditionalResources = (doc.AdditionalResources as Array<{ Text: string; Url: string }>).map(
            (r) => ({
              Type: 'Link',
              ...r,
            }),
          );
        if ('SupportDescription' in doc)
          next.SupportInformation = { Description: doc.SupportDescription as string };
        break;
      }
      case 'AddRegions':
      case 'RestrictRegions': {
        const ra = (next.RegionAvailability ??= {});
        const regions = doc.Regions as string[];
        const adding = c.ChangeType === 'AddRegions';
        ra.Regions = adding
          ? unique([...(ra.Regions ?? []), ...regions])
          : (ra.Regions ?? []).filter((r) => !regions.includes(r));
        ra.Restrict = adding
          ? (ra.Restrict ?? []).filter((r) => !regions.includes(r))
          : unique([...(ra.Restrict ?? []), ...regions]);
        break;
      }
      case 'UpdateFutureRegionSupport':
        (next.RegionAvailability ??= {}).FutureRegionSupport = (
          doc.FutureRegionSupport as { SupportedRegions: string[] }
        ).SupportedRegions[0];
        break;
      case 'AddInstanceTypes':
      case 'RestrictInstanceTypes': {
        const comp = (next.Compatibility ??= {});
        const types = doc.InstanceTypes as string[];
        const adding = c.ChangeType === 'AddInstanceTypes';
        const available = comp.AvailableInstanceTypes ?? [];
        const restricted = comp.RestrictedInstanceTypes ?? [];
        comp.AvailableInstanceTypes = adding
          ? unique([...available, ...types])
          : available.filter((t) => !types.includes(t));
        comp.RestrictedInstanceTypes = adding
          ? restricted.filter((t) => !types.includes(t))
          : unique([...restricted, ...types]);
        break;
      }
      case 'AddDeliveryOptions': {
        const versions = (next.Versions ??= []);
        const n = versions.length + 1;
        const version = doc.Version as { VersionTitle: string; ReleaseNotes: string };
        const ami = (
          doc.DeliveryOptions as Array<{ Details: { AmiDeliveryOptionDetails: Record<string, unknown> } }>
        )[0]!.Details.AmiDeliveryOptionDetails;
        const source = ami.AmiSource as Record<string, string | number>;
        const sourceId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
        versions.push({
          Id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
          VersionTitle: version.VersionTitle,
          ReleaseNotes: version.ReleaseNotes,
          CreationDate: now.toISOString(),
          Sources: [{ Id: sourceId, Type: 'AmazonMachineImage', Image: source.AmiId as string }],
          DeliveryOptions: [
            {
              Id: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
              Type: 'AmazonMachineImage',
              SourceId: sourceId,
              Visibility: 'Public',
              Instructions: { Usage: ami.UsageInstructions as string },
              Recommendations: { InstanceType: ami.RecommendedInstanceType as string },
            },
          ],
        });
        break;
      }
      case 'RestrictDeliveryOptions': {
        const ids = doc.DeliveryOptionIds as string[];
        for (const v of next.Versions ?? [])
          for (const o of v.DeliveryOptions ?? [])
            if (o.Id && ids.includes(o.Id)) o.Visibility = 'Restricted';
        break;
      }
      case 'UpdateVisibility':
        (next.Description ??= {}).Visibility = doc.TargetVisibility as string;
        break;
      default:
        throw new InternalError(`applyChanges does not model ${c.ChangeType}`);
    }
  }
  return next;
}
/** What DescribeEntity would show of the offer after the offer's `changes` succeed (CreateOffer included). */
export function applyOfferChanges(offer: OfferDetails, changes: Change[]): OfferDetails {
  const next = structuredClone(offer);
  const replaceTerms = (type: (t: string) => boolean, doc: { Terms: OfferDetails['Terms'] }) => {
    next.Terms = [
      ...(next.Terms ?? []).filter((t) => !type(t.Type ?? '')),
      ...structuredClone(doc.Terms ?? []),
    ];
  };
  for (const c of changes) {
    if (c.Entity.Type !== offerEntityType) continue;
    const doc = c.DetailsDocument as Record<string, unknown>;
    switch (c.ChangeType) {
      case 'CreateOffer':
        Object.assign(next, { ProductId: doc.ProductId, Name: doc.Name, State: 'Draft', Terms: [] });
        break;
      case 'UpdateInformation':
        if ('Name' in doc) next.Name = doc.Name as string;
        if ('Description' in doc) next.Description = doc.Description as string;
        break;
      case 'UpdatePricingTerms':
        replaceTerms((t) => t.endsWith('PricingTerm'), doc as { Terms: OfferDetails['Terms'] });
        break;
      case 'UpdateLegalTerms':
        replaceTerms((t) => t === 'LegalTerm', doc as { Terms: OfferDetails['Terms'] });
        break;
      case 'UpdateSupportTerms':
        replaceTerms((t) => t === 'SupportTerm', doc as { Terms: OfferDetails['Terms'] });
        break;
      case 'ReleaseOffer':
        next.State = 'Released';
        break;
      default:
        throw new InternalError(`applyOfferChanges does not model ${c.ChangeType}`);
    }
  }
  return next;
}
