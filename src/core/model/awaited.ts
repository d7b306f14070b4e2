/**
 * What a waiting job waits for, as keys an AWS event can be matched to: `image/ami-…` for an EC2 AMI
 * State Change, `change-set/<id>` for a Marketplace Catalog change-set event. The store indexes these
 * keys (job_waits) so an event finds its jobs by SQL.
 */
export type AwaitedKind = 'image' | 'change-set';

export const awaitedKey = (kind: AwaitedKind, id: string): string => `${kind}/${id}`;

/** What a job's current wait is for, as stages record it (JobData.awaiting). */
export interface Awaiting {
  images?: string[];
  changeSets?: string[];
}

export function awaitedKeys(awaiting: Awaiting | undefined): string[] {
  if (!awaiting) return [];
  return [
    ...new Set([
      ...(awaiting.images ?? []).map((id) => awaitedKey('image', id)),
      ...(awaiting.changeSets ?? []).map((id) => awaitedKey('change-set', id)),
    ]),
  ];
}
