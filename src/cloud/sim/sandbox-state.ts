/** The JSON view of the simulated world printed by `fedora-marketplace sandbox state --json`. */
import { statusAt } from './catalog.js';
import { isoTime, type WorldState } from './world-state.js';

export interface SandboxState {
  images: Array<{
    id: string;
    name: string;
    owner: string;
    region: string;
    state: string;
    public: boolean;
    tags: Record<string, string>;
    launchPermissions: string[];
    snapshots: Array<{ id: string; createVolumePermissions: string[] }>;
    deprecationTime?: string;
  }>;
  changeSets: Array<{
    id: string;
    name: string;
    product: string | null;
    status: string;
    intent: string;
    failureCode?: string;
    changes: Array<{
      changeType: string;
      entity: string | null;
      details: unknown;
      errors: Array<{ code: string; message: string }>;
    }>;
    startTime: string;
    endTime?: string;
  }>;
  products: Array<{
    id: string;
    title: string;
    /** Draft, Limited, Public or Restricted. */
    visibility: string;
    /** The product's offer (the first one created), null while it has none. */
    offerId: string | null;
    /** Draft or Released; null while the product has no offer. */
    offerState: string | null;
    versions: Array<{ title: string; amiId: string; deliveryOptionId: string; visibility: string }>;
  }>;
}

export function sandboxState(state: WorldState, nowMs: number): SandboxState {
  return {
    images: Object.values(state.images).map((image) => ({
      id: image.imageId,
      name: image.name,
      owner: image.ownerId,
      region: image.region,
      state: image.state,
      public: image.public,
      tags: { ...image.tags },
      launchPermissions: [...image.launchPermissions],
      snapshots: image.snapshotIds.map((id) => ({
        id,
        createVolumePermissions: [...(state.snapshots[id]?.createVolumePermissions ?? [])],
      })),
      ...(image.deprecationTime ? { deprecationTime: image.deprecationTime } : {}),
    })),
    changeSets: Object.values(state.changeSets)
      .sort((a, b) => a.seq - b.seq)
      .map((cs) => ({
        id: cs.changeSetId,
        name: cs.changeSetName,
        product: cs.changes.find((c) => c.resolvedIdentifier !== undefined)?.resolvedIdentifier ?? null,
        status: statusAt(cs, nowMs),
        intent: cs.intent,
        ...(cs.failureCode ? { failureCode: cs.failureCode } : {}),
        changes: cs.changes.map((c) => ({
          changeType: c.ChangeType,
          entity: c.resolvedIdentifier ?? c.Entity.Identifier ?? null,
          details: c.DetailsDocument,
          errors: c.errors.map((e) => ({ ...e })),
        })),
        startTime: isoTime(cs.startedAt),
        ...(cs.endedAt !== undefined ? { endTime: isoTime(cs.endedAt) } : {}),
      })),
    products: Object.values(state.products).map((p) => {
      const offer = Object.values(state.offers).find((o) => o.details.ProductId === p.productId);
      return {
        id: p.productId,
        title: p.details.Description?.ProductTitle ?? '',
        visibility: p.details.Description?.Visibility ?? 'Draft',
        offerId: offer?.offerId ?? null,
        offerState: offer?.details.State ?? null,
        versions: (p.details.Versions ?? []).map((v) => ({
          title: v.VersionTitle ?? '',
          amiId: v.Sources?.[0]?.Image ?? '',
          deliveryOptionId: v.DeliveryOptions?.[0]?.Id ?? '',
          visibility: v.DeliveryOptions?.[0]?.Visibility ?? '',
        })),
      };
    }),
  };
}
