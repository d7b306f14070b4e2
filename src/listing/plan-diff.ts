/** One line of a plan: a difference between what a product (or its offer) should show and what it shows. */
export type PlanDiffKind =
  | 'metadata'
  | 'regions-added'
  | 'regions-restricted'
  | 'instance-types-added'
  | 'instance-types-restricted'
  | 'dimensions-added'
  | 'dimensions-restricted'
  | 'rate-card'
  | 'offer-created'
  | 'offer'
  | 'version-added'
  | 'version-restricted'
  | 'visibility'
  /** Regions (GovCloud) only a Marketplace representative can enable: never in a change set. */
  | 'needs-representative';

export interface PlanDiff {
  kind: PlanDiffKind;
  field?: string;
  from?: unknown;
  to?: unknown;
}
