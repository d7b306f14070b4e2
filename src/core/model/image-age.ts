/**
 * How old an image is, as its product's versions are ordered: by the compose it came from (date, then
 * respin), never by when a version happened to be added. A backfill or a replay adds versions in any
 * order; retention must still keep the newest images.
 */

export interface ImageAge {
  /** YYYY-MM-DD. */
  composeDate: string;
  /** The compose's respin number (`.0`, `.1`, ...): two composes of one day. */
  respin: number;
  /** The image label (`1.4`, `20250415.0`): the last tie-breaker. */
  label: string;
  /** Where the date came from, for `plan`'s printout. */
  from: 'compose id' | 'label' | 'source image';
}

// A pungi compose id or an updates label ends in <YYYYMMDD>[.n|.t|.ci].<respin>.
const datedPattern = /(?:^|-)(\d{4})(\d{2})(\d{2})(?:\.(?:n|t|ci))?\.(\d+)$/;
// An id without a respin still carries its date (`Fedora-Cloud-41-updates-20250415`).
const datePattern = /(?:^|-)(\d{4})(\d{2})(\d{2})(?:\.\d+)?(?:$|-)/;

function datedText(text: string): { composeDate: string; respin: number } | undefined {
  const full = datedPattern.exec(text);
  if (full) return { composeDate: `${full[1]}-${full[2]}-${full[3]}`, respin: Number(full[4]) };
  const date = datePattern.exec(text);
  return date ? { composeDate: `${date[1]}-${date[2]}-${date[3]}`, respin: 0 } : undefined;
}

/** The compose date as YYYY-MM-DD, from the compose id or (updates composes) the label. */
export function composeDateOf(facts: { composeId: string; label: string }): string | undefined {
  return (datedText(facts.composeId) ?? datedText(facts.label))?.composeDate;
}

/**
 * The age of an image: from its compose id, else its label (updates composes are labelled by date),
 * else the day Fedora registered its source AMI. Undefined only when none of them carries a date.
 */
export function imageAgeOf(
  facts: { composeId: string; label: string },
  sourceCreationDate?: string,
): ImageAge | undefined {
  const fromId = datedText(facts.composeId);
  if (fromId) return { ...fromId, label: facts.label, from: 'compose id' };
  const fromLabel = datedText(facts.label);
  if (fromLabel) return { ...fromLabel, label: facts.label, from: 'label' };
  if (sourceCreationDate && /^\d{4}-\d{2}-\d{2}/.test(sourceCreationDate)) {
    return {
      composeDate: sourceCreationDate.slice(0, 10),
      respin: 0,
      label: facts.label,
      from: 'source image',
    };
  }
  return undefined;
}

/** `1.10` after `1.9`: labels compare number by number. */
function compareLabels(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    const diff = /^\d+$/.test(p) && /^\d+$/.test(q) ? Number(p) - Number(q) : p.localeCompare(q);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Negative when `a` is older than `b`. */
export function compareAges(a: ImageAge, b: ImageAge): number {
  return a.composeDate.localeCompare(b.composeDate) || a.respin - b.respin || compareLabels(a.label, b.label);
}

export function formatAge(age: ImageAge): string {
  return `compose ${age.composeDate} respin ${age.respin}, label ${age.label} (from the ${age.from})`;
}
