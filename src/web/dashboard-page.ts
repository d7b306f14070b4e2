/**
 * The dashboard as one HTML document: inline styles, no script, no external asset (the Content Security
 * Policy of the route forbids any), and a refresh every few seconds. Every value from the store is
 * escaped; links lead only to the Marketplace Management Portal's page of a change set.
 */
import type { ProductView } from '../app/products.js';
import { awsArches } from '../core/arch.js';
import { isTerminal, type Job } from '../core/model/job.js';
import type { IntakeRecord, StoreSummary } from '../store/store.js';
import type { Readiness } from './health.js';

export interface DashboardData {
  /** The pipeline's clock (virtual in the sandbox): ages are measured against it. */
  now: Date;
  refreshSeconds: number;
  readiness: Readiness;
  summary: StoreSummary;
  /** The recent and the unfinished jobs. */
  jobs: Job[];
  products: ProductView[];
  /** The most recent rejections, oldest first. */
  quarantine: IntakeRecord[];
}

/** Jobs shown per release and architecture; older ones are in the API. */
const jobsPerCell = 6;

/**
 * The portal's page of one change set ("request"). The address is the one Canonical's awsmp prints after
 * StartChangeSet; it is not in AWS's API documentation (unverified).
 */
export function changeSetPortalUrl(changeSetId: string): string {
  return `https://aws.amazon.com/marketplace/management/requests/${encodeURIComponent(changeSetId)}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const h = escapeHtml;

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${hours} h ${min % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function stageStart(job: Job): number {
  return job.data.stageStartedAt ? Date.parse(job.data.stageStartedAt) : job.createdAt.getTime();
}

function changeSetLink(id: string | undefined, status: string | undefined): string {
  if (!id) return '';
  return `<a class="change-set" href="${h(changeSetPortalUrl(id))}" rel="noreferrer">change set ${h(id)}</a>${
    status ? ` <span class="cs-status">${h(status)}</span>` : ''
  }`;
}

function age(job: Job, now: Date): string {
  if (isTerminal(job.state)) return `ended ${formatAge(now.getTime() - job.updatedAt.getTime())} ago`;
  return `in ${job.state} for ${formatAge(now.getTime() - stageStart(job))}`;
}

function jobCard(job: Job, now: Date): string {
  const d = job.data;
  return `<li class="job state-${h(job.state)}" data-job-id="${h(job.id)}" data-state="${h(job.state)}">
  <span class="state">${h(job.state)}</span> <span class="version">${h(d.versionTitle ?? job.request.label)}</span>
  <span class="age">${h(age(job, now))}</span>
  <div class="meta"><code>${h(job.id)}</code> ${h(job.request.composeId)}${d.productId ? ` · ${h(d.productId)}` : ''}</div>
  ${job.reason ? `<div class="reason">${h(job.reason)}</div>` : ''}
  ${d.changeSetId ? `<div>${changeSetLink(d.changeSetId, d.changeSetStatus)}</div>` : ''}
</li>`;
}

function grid(jobs: Job[], now: Date): string {
  const releases = [...new Set(jobs.map((j) => j.request.release))].sort((a, b) => b - a);
  if (releases.length === 0) return '<p class="empty">No jobs yet.</p>';
  const cell = (release: number, arch: string) => {
    const here = jobs
      .filter((j) => j.request.release === release && j.request.arch === arch)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    if (here.length === 0) return '<td class="none">—</td>';
    const more =
      here.length > jobsPerCell ? `<p class="more">${here.length - jobsPerCell} older in the API</p>` : '';
    return `<td><ul class="jobs">${here
      .slice(0, jobsPerCell)
      .map((j) => jobCard(j, now))
      .join('\n')}</ul>${more}</td>`;
  };
  return `<table class="grid">
<thead><tr><th>Fedora</th>${awsArches.map((a) => `<th>${h(a)}</th>`).join('')}</tr></thead>
<tbody>
${releases.map((r) => `<tr><th>${r}</th>${awsArches.map((a) => cell(r, a)).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

function failures(jobs: Job[], now: Date): string {
  const failed = jobs
    .filter((j) => j.state === 'failed')
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  if (failed.length === 0) return '<p class="empty">No failed jobs.</p>';
  return failed
    .map((job) => {
      const d = job.data;
      const errors = d.changeSetErrors ?? [];
      const detail =
        errors.length > 0
          ? `<table class="errors"><caption>ErrorDetailList</caption><thead><tr><th>code</th><th>message</th></tr></thead><tbody>${errors
              .map((e) => `<tr><td><code>${h(e.code)}</code></td><td>${h(e.message)}</td></tr>`)
              .join('')}</tbody></table>`
          : '';
      return `<article class="failure" data-job-id="${h(job.id)}">
  <h3>Fedora ${job.request.release} ${h(job.request.arch)} <code>${h(job.id)}</code></h3>
  <p class="meta">failed in ${h(d.failedStage ?? 'an unknown stage')} ${h(formatAge(now.getTime() - job.updatedAt.getTime()))} ago · ${h(job.request.imageName)}</p>
  <p class="reason">${h(job.reason ?? '')}</p>
  ${d.changeSetId ? `<p>${changeSetLink(d.changeSetId, d.changeSetStatus)}</p>` : ''}
  ${detail}
</article>`;
    })
    .join('\n');
}

function products(list: ProductView[]): string {
  if (list.length === 0) return '<p class="empty">No products yet.</p>';
  const rows = list.map((p) => {
    const latest = p.versions[0];
    const open = p.openChangeSet ? changeSetLink(p.openChangeSet.id, p.openChangeSet.status) : '—';
    return `<tr data-product="${h(p.key)}">
  <td>${h(p.title ?? p.key)}</td><td>${p.productId ? `<code>${h(p.productId)}</code>` : '—'}</td>
  <td class="visibility">${h(p.visibility ?? 'unknown')}</td><td>${p.offerId ? `<code>${h(p.offerId)}</code>` : '—'}</td>
  <td>${latest ? `${h(latest.title)} (${h(latest.state)})` : '—'}</td><td>${p.versions.length}</td>
  <td>${p.regions.length}</td><td>${p.instanceTypes.length}</td><td>${open}</td>
</tr>`;
  });
  return `<table class="products"><thead><tr><th>product</th><th>id</th><th>visibility</th><th>offer</th><th>latest version</th><th>versions</th><th>regions</th><th>instance types</th><th>open change set</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function quarantine(total: number, records: IntakeRecord[]): string {
  if (total === 0) return '<p class="empty">The quarantine is empty.</p>';
  const rows = [...records]
    .reverse()
    .map(
      (r) =>
        `<tr><td>${h(r.at.toISOString().slice(0, 19))}</td><td>${h(r.source)}</td><td>${h(r.topic ?? '—')}</td><td><code>${h(
          r.messageId ?? '—',
        )}</code></td><td>${h(r.reason ?? '')}</td></tr>`,
    );
  return `<p>${total} message(s); the ${records.length} most recent:</p>
<table class="quarantine"><thead><tr><th>at</th><th>source</th><th>topic</th><th>message id</th><th>reason</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function header(data: DashboardData): string {
  const counts = Object.entries(data.summary.jobs)
    .map(([state, n]) => `<span class="count state-${h(state)}">${h(state)} ${n}</span>`)
    .join(' ');
  const problems = Object.entries(data.readiness.checks)
    .filter(([, c]) => !c.ok)
    .map(([name, c]) => `${name}: ${c.reason ?? 'not ok'}`);
  const status =
    data.readiness.status === 'ready'
      ? '<span class="ready">ready</span>'
      : `<span class="unready">unready</span> ${h(problems.join('; '))}`;
  return `<header><h1>fedora-marketplace</h1>
<p>${status} · ${counts || 'no jobs'} · as of ${h(data.now.toISOString().slice(0, 19))}Z, refreshed every ${data.refreshSeconds} s</p></header>`;
}

const style = `
body{font:14px/1.4 system-ui,sans-serif;margin:1rem 2rem;color:#1b1b1b;background:#fafafa}
h1{font-size:1.4rem;margin:0}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
ul.jobs{list-style:none;margin:0;padding:0}li.job{border-left:4px solid var(--c);padding:.2rem .5rem;margin:.2rem 0;background:#f5f5f5}
.state{font-weight:600;text-transform:uppercase;font-size:.8rem}.age,.meta,.more{color:#555;font-size:.85rem}
.reason{font-size:.85rem;white-space:pre-wrap}.empty{color:#555}
[class*=state-]{--c:#f9a825}.state-published{--c:#2e7d32}.state-failed{--c:#c62828}.state-skipped{--c:#999}
span.count{display:inline-block;border-left:4px solid var(--c);padding:0 .4rem;background:#fff}
.ready{color:#2e7d32;font-weight:600}.unready{color:#c62828;font-weight:600}
article.failure{border-left:4px solid #c62828;background:#fff;padding:.2rem .8rem;margin:.6rem 0}
article.failure h3{font-size:1rem;margin:.3rem 0}table.errors caption{text-align:left;font-weight:600}
code{font-size:.85rem}
`;

export function renderDashboard(data: DashboardData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${data.refreshSeconds}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fedora-marketplace</title><style>${style}</style></head>
<body>
${header(data)}
<section id="jobs"><h2>Jobs by release and architecture</h2>
${grid(data.jobs, data.now)}</section>
<section id="failures"><h2>Failures</h2>
${failures(data.jobs, data.now)}</section>
<section id="products"><h2>Products</h2>
${products(data.products)}</section>
<section id="quarantine"><h2>Quarantine</h2>
${quarantine(data.summary.quarantined, data.quarantine)}</section>
</body></html>
`;
}
