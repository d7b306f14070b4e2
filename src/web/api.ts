/**
 * The read-only JSON API under /api/v1: jobs (filtered, a page at a time), one job with its events,
 * products and the quarantine. Jobs are the same objects `status --json` prints.
 */
import type { FastifyInstance } from 'fastify';
import { jobDetail, jobViews } from '../app/job-view.js';
import { listProducts } from '../app/products.js';
import { toAwsArch } from '../core/arch.js';
import { InputError } from '../core/errors.js';
import type { JobState } from '../core/model/job.js';
import type { JobFilter, JobStore } from '../store/store.js';
import { defaultPageSize, jobSchema, jobsSchema, productsSchema, quarantineSchema } from './api-schemas.js';
import { errorBody } from './errors.js';
import { paths } from './paths.js';

interface JobsQuery {
  state?: JobState[];
  release?: number;
  arch?: string;
  limit?: number;
  cursor?: string;
}

/** A page ends after this job; the cursor is opaque to clients. */
export function encodeCursor(job: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([job.createdAt.getTime(), job.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isFinite(at) && typeof id === 'string')
      return { createdAt: new Date(at), id };
  } catch {
    // reported below
  }
  throw new InputError('the cursor is not one this API returned', {
    field: 'cursor',
    value: cursor,
    rule: 'must be the nextCursor of a previous page, unchanged',
    hint: 'start again from the first page (no cursor)',
  });
}

export function apiRoutes(app: FastifyInstance, store: JobStore): void {
  app.get<{ Querystring: JobsQuery }>(paths.jobs, { schema: jobsSchema }, async (request) => {
    const query = request.query;
    const limit = query.limit ?? defaultPageSize;
    const filter: JobFilter = {
      ...(query.state ? { states: query.state } : {}),
      ...(query.release !== undefined ? { release: query.release } : {}),
      ...(query.arch ? { arch: toAwsArch(query.arch) } : {}),
      ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
      // One more than the page tells whether another page follows.
      limit: limit + 1,
    };
    const jobs = await store.listJobs(filter);
    const page = jobs.slice(0, limit);
    const last = page[page.length - 1];
    return {
      jobs: await jobViews(store, page),
      nextCursor: jobs.length > limit && last ? encodeCursor(last) : null,
    };
  });

  app.get<{ Params: { id: string } }>(paths.job, { schema: jobSchema }, async (request, reply) => {
    const job = await store.getJob(request.params.id);
    if (!job) {
      const error = new InputError(`no such job: ${request.params.id}`, {
        field: 'id',
        value: request.params.id,
        rule: `must be the id of a job listed by ${paths.jobs} or \`status\``,
      });
      return reply.code(404).send(errorBody(error, 'NotFound'));
    }
    return jobDetail(store, job);
  });

  app.get(paths.products, { schema: productsSchema }, async () => ({ products: await listProducts(store) }));

  app.get<{ Querystring: { limit?: number } }>(
    paths.quarantine,
    { schema: quarantineSchema },
    async (request) => ({
      quarantine: await store.listIntake({
        outcomes: ['rejected'],
        limit: request.query.limit ?? defaultPageSize,
      }),
    }),
  );
}
