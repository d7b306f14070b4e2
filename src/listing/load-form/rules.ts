/**
 * Cell validation rules for the product load forms. Limits are the Catalog API's (AmiProduct@1.0 shapes),
 * because the Marketplace team feeds the form into the same ingestion; value lists come from the forms'
 * own validation sheet (SSLValidationData).
 */

export type CellValue = string | number | boolean | null;

export interface CellRule {
  /** The rule in words, as reported to a person. */
  rule: string;
  /** True when the (non-empty) value satisfies the rule. */
  test: (value: CellValue) => boolean;
}

const text = (value: CellValue): string => (value === null ? '' : String(value));

export function isEmptyCell(value: CellValue): boolean {
  return value === null || value === '';
}

export function maxLength(limit: number): CellRule {
  return { rule: `at most ${limit} characters`, test: (v) => text(v).length <= limit };
}

const amiIdPattern = /^ami-([a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})$/;
export const amiId: CellRule = {
  rule: 'an AMI id: ami- followed by 8 or 17 letters or digits',
  test: (v) => amiIdPattern.test(text(v)),
};

export const httpsUrl: CellRule = {
  rule: 'an https:// URL without spaces',
  test: (v) => {
    const s = text(v);
    if (!s.startsWith('https://') || /\s/.test(s)) return false;
    try {
      return new URL(s).hostname.includes('.');
    } catch {
      return false;
    }
  },
};

export function oneOf(values: readonly string[], listName: string): CellRule {
  const allowed = new Set(values);
  return { rule: `one of the form's ${listName} values`, test: (v) => allowed.has(text(v)) };
}

export const availability: CellRule = {
  rule: 'TRUE or FALSE',
  test: (v) => typeof v === 'boolean',
};

/** Comma-joined keywords: the Catalog API accepts 1..15 keywords of at most 50 characters. */
export const searchKeywords: CellRule = {
  rule: 'at most 15 comma-separated keywords of at most 50 characters each',
  test: (v) => {
    const words = text(v).split(',');
    return words.length <= 15 && words.every((w) => w.trim().length > 0 && w.trim().length <= 50);
  },
};

/** `protocol,fromPort,toPort,cidr` as in the forms, e.g. `tcp,22,22,0.0.0.0/0`. */
const securityGroupPattern = /^(tcp|udp),(\d{1,5}),(\d{1,5}),(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2})$/;
export const securityGroupCell: CellRule = {
  rule: 'protocol,fromPort,toPort,cidr such as tcp,22,22,0.0.0.0/0 (ports 1-65535, from <= to)',
  test: (v) => {
    const m = securityGroupPattern.exec(text(v));
    if (!m) return false;
    const from = Number(m[2]);
    const to = Number(m[3]);
    const [address, prefix] = (m[4] ?? '').split('/');
    const octetsOk = (address ?? '').split('.').every((o) => Number(o) <= 255);
    return from >= 1 && to <= 65535 && from <= to && octetsOk && Number(prefix) <= 32;
  },
};

const instanceTypePattern = /^[a-z]+[0-9]+[a-z-]*\.[0-9]*[a-z]+$/;
export const instanceType: CellRule = {
  rule: 'an instance type such as t3.small',
  test: (v) => instanceTypePattern.test(text(v)),
};

const productIdPattern =
  /^(prod-[a-zA-Z0-9]{13}|prod-[a-zA-Z0-9]{25}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const productId: CellRule = {
  rule: 'a product id (prod-... or a UUID)',
  test: (v) => productIdPattern.test(text(v)),
};

/** Operating_System list of the form's SSLValidationData sheet (Linux and BSD entries; Windows omitted). */
export const operatingSystems = [
  'AMAZONLINUX',
  'CENTOS',
  'DEBIAN',
  'FEDORA',
  'FREEBSD',
  'GENTOO',
  'MANDRIVA',
  'MINT',
  'OPENSOLARIS',
  'OTHERLINUX',
  'PCLINUXOS',
  'RHEL',
  'RHEL5',
  'RHEL6',
  'RHELHA',
  'SLACKWARE',
  'SLES11',
  'SUSE',
  'UBUNTU',
] as const;
