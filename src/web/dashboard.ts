/** `GET /`: gathers what the dashboard shows and renders it (dashboard-page.ts). */
import type { FastifyInstance } from 'fastify';
import { listProducts } from '../app/products.js';
import type { Clock } from '../core/clock.js';
import { stages, type Job } from '../core/model/job.js';
import type { JobStore } from '../store/store.js';
import { dashboardSchema } from './api-schemas.js';
import { renderDashboard } from './dashboard-page.js';
import { readiness, type ReadinessSources } from './health.js';
import { paths } from './paths.js';

/** Recent jobs shown besides every unfinished one; the rest is in the API. */
const recentJobs = 300;
const recentRejections = 20;

/** Nothing may load from elsewhere, and the page runs no script. */
export const dashboardPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

export interface DashboardSources {
  store: JobStore;
  clock: Clock;
  refreshSeconds: number;
  readiness: ReadinessSources;
}

export async function dashboardData(sources: DashboardSources) {
  const { store } = sources;
  const [recent, unfinished, summary, products, quarantine, ready] = await Promise.all([
    store.recentJobs(recentJobs),
    store.listJobs({ states: [...stages] }),
    store.summarize(),
    listProducts(store),
    store.listIntake({ outcomes: ['rejected'], limit: recentRejections }),
    readiness(sources.readiness),
  ]);
  const jobs = new Map<string, Job>();
  for (const job of [...recent, ...unfinished]) jobs.set(job.id, job);
  return {
    now: sources.clock.now(),
    refreshSeconds: sources.refreshSeconds,
    readiness: ready,
    summary,
    jobs: [...jobs.values()],
    products,
    quarantine,
  };
}

export function dashboardRoute(app: FastifyInstance, sources: DashboardSources): void {
  app.get(paths.dashboard, { schema: dashboardSchema }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', dashboardPolicy)
      .header('cache-control', 'no-store')
      .send(renderDashboard(await dashboardData(sources))),
  );
}
