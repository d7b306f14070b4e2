/**
 * JSON Schemas of every route: fastify validates requests and serializes responses with them (a field
 * not described here is never sent), and @fastify/swagger turns them into the OpenAPI document. The
 * shared shapes are registered by `$id` and appear under `components.schemas`.
 */
import { jobStates } from '../core/model/job.js';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

const jobView = {
  $id: 'Job',
  type: 'object',
  description: 'A job as `status --json` prints it (README "JSON output").',
  required: ['id', 'state', 'mirroredAmis'],
  properties: {
    id: string,
    state: { type: 'string', enum: jobStates },
    reason: { ...string, description: 'why it failed, or what it waits for' },
    release: { type: 'integer' },
    arch: { type: 'string', enum: ['x86_64', 'arm64'] },
    subvariant: string,
    composeId: string,
    imageName: string,
    sourceAmi: string,
    sourceRegion: string,
    prerelease: { type: 'boolean' },
    productId: string,
    productTitle: string,
    productVisibility: {
      type: 'string',
      enum: ['Draft', 'Limited', 'Public', 'Restricted'],
      description: "where the job's product stands; only Public is listed for buyers",
    },
    offerId: { ...string, description: "the product's public offer" },
    versionTitle: string,
    mirroredAmis: { type: 'object', additionalProperties: string, description: 'region -> mirrored AMI' },
    changeSetId: string,
    changeSetStatus: string,
    changeSetErrors: {
      type: 'array',
      description: "AWS's ErrorDetailList of a failed change set",
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: string, message: string },
      },
    },
    loadFormPath: string,
    changeSetPath: string,
    versionExisted: { type: 'boolean' },
    ssmAlias: string,
    ssmCheck: {
      type: 'object',
      additionalProperties: { type: 'string', enum: ['ok', 'missing', 'mismatch'] },
    },
    derived: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'value', 'from'],
        properties: { field: string, value: string, from: string },
      },
    },
    messageId: string,
    topic: string,
    nextCheckAt: dateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const;

const jobEvent = {
  $id: 'JobEvent',
  type: 'object',
  required: ['jobId', 'at', 'stage', 'kind', 'message'],
  properties: {
    jobId: string,
    at: dateTime,
    stage: { type: 'string', enum: jobStates },
    kind: {
      type: 'string',
      enum: ['created', 'advanced', 'waiting', 'retry', 'failed', 'skipped', 'published', 'note'],
    },
    message: string,
  },
} as const;

const product = {
  $id: 'Product',
  type: 'object',
  required: [
    'key',
    'subvariant',
    'release',
    'arch',
    'productId',
    'title',
    'visibility',
    'offerId',
    'versions',
    'regions',
    'instanceTypes',
    'openChangeSet',
  ],
  properties: {
    key: { ...string, description: '<subvariant>/<release>/<arch>' },
    subvariant: string,
    release: { type: 'integer' },
    arch: { type: 'string', enum: ['x86_64', 'arm64'] },
    productId: nullableString,
    title: nullableString,
    visibility: {
      ...nullableString,
      description:
        'Draft, Limited, Public or Restricted as last seen (only Public is listed for buyers); null while unknown',
    },
    offerId: { ...nullableString, description: 'the public offer; null while unknown' },
    versions: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'title',
          'jobId',
          'state',
          'composeId',
          'amiId',
          'changeSetId',
          'changeSetStatus',
          'createdAt',
        ],
        properties: {
          title: string,
          jobId: string,
          state: { type: 'string', enum: jobStates },
          composeId: string,
          amiId: nullableString,
          changeSetId: nullableString,
          changeSetStatus: nullableString,
          createdAt: dateTime,
        },
      },
    },
    regions: { type: 'array', items: string },
    instanceTypes: { type: 'array', items: string },
    openChangeSet: {
      type: ['object', 'null'],
      required: ['id', 'status', 'jobId'],
      properties: { id: string, status: string, jobId: string },
    },
  },
} as const;

const quarantined = {
  $id: 'QuarantinedMessage',
  type: 'object',
  required: ['at', 'source', 'outcome'],
  properties: {
    at: dateTime,
    source: { ...string, description: 'file, cli, bus or replay' },
    outcome: { type: 'string', enum: ['rejected'] },
    reason: string,
    messageId: string,
    topic: string,
    payload: { ...string, description: 'the message as received, to fix and send again' },
  },
} as const;

const error = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: string,
        message: { ...string, description: 'one paragraph: what is wrong, where, which rule, the fix' },
        field: string,
        value: {},
        rule: string,
        hint: string,
      },
    },
  },
} as const;

const check = {
  $id: 'Check',
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, reason: string },
} as const;

const readiness = {
  $id: 'Readiness',
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unready'] },
    checks: {
      type: 'object',
      required: ['store', 'cloud'],
      properties: {
        store: { $ref: 'Check#' },
        bus: { $ref: 'Check#' },
        cloud: { $ref: 'Check#' },
      },
    },
  },
} as const;

/** Registered with addSchema, so routes refer to them as `{ $ref: 'Job#' }`. */
export const sharedSchemas = [jobView, jobEvent, product, quarantined, error, check, readiness];

const errorResponse = (description: string) => ({ description, $ref: 'Error#' });

export const healthSchemas = {
  live: {
    summary: 'The process answers',
    tags: ['health'],
    response: {
      200: {
        description: 'Always, while the process runs',
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['live'] } },
      },
    },
  },
  ready: {
    summary: 'Store reachable, bus consuming (when it consumes), cloud calls not failing too long',
    tags: ['health'],
    response: {
      200: { description: 'Ready', $ref: 'Readiness#' },
      503: { description: 'Not ready; each failed check says why', $ref: 'Readiness#' },
    },
  },
};

export const metricsSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  tags: ['metrics'],
  response: {
    200: {
      description: 'fedora_marketplace_* families and the default process metrics',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
  },
};

export const dashboardSchema = {
  summary: 'The dashboard: jobs per release and architecture, failures, products, quarantine',
  tags: ['dashboard'],
  response: {
    200: {
      description: 'A self-refreshing HTML page',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
  },
};

export const maxPageSize = 500;
export const defaultPageSize = 100;
const limitParameter = {
  type: 'integer',
  minimum: 1,
  maximum: maxPageSize,
  default: defaultPageSize,
} as const;

export const jobsSchema = {
  summary: 'Jobs, oldest first, a page at a time',
  tags: ['api'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      state: {
        type: 'array',
        items: { type: 'string', enum: jobStates },
        description: 'only jobs in these states (repeat the parameter for several)',
      },
      release: { type: 'integer', minimum: 1, description: 'Fedora release' },
      arch: {
        type: 'string',
        enum: ['x86_64', 'arm64', 'aarch64'],
        description: 'architecture (aarch64 = arm64)',
      },
      limit: limitParameter,
      cursor: { type: 'string', description: 'nextCursor of the previous page' },
    },
  },
  response: {
    200: {
      description: 'One page; nextCursor is null on the last',
      type: 'object',
      required: ['jobs', 'nextCursor'],
      properties: {
        jobs: { type: 'array', items: { $ref: 'Job#' } },
        nextCursor: nullableString,
      },
    },
    400: errorResponse('A filter or the cursor is not valid; the error names it'),
  },
};

export const jobSchema = {
  summary: 'One job with its events',
  tags: ['api'],
  params: { type: 'object', required: ['id'], properties: { id: string } },
  response: {
    200: {
      description: 'The job as `status JOB --json` prints it',
      allOf: [
        { $ref: 'Job#' },
        {
          type: 'object',
          required: ['events'],
          properties: { events: { type: 'array', items: { $ref: 'JobEvent#' } } },
        },
      ],
    },
    404: errorResponse('No job has this id'),
  },
};

export const productsSchema = {
  summary: 'Marketplace products: visibility, offer, versions, regions, instance types, open change set',
  tags: ['api'],
  response: {
    200: {
      description: 'Newest release first',
      type: 'object',
      required: ['products'],
      properties: { products: { type: 'array', items: { $ref: 'Product#' } } },
    },
  },
};

export const quarantineSchema = {
  summary: 'Rejected input, most recent last',
  tags: ['api'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { limit: limitParameter },
  },
  response: {
    200: {
      description: 'The `limit` most recent rejections',
      type: 'object',
      required: ['quarantine'],
      properties: { quarantine: { type: 'array', items: { $ref: 'QuarantinedMessage#' } } },
    },
    400: errorResponse('The limit is not valid'),
  },
};

export const openapiSchema = {
  summary: 'This document',
  tags: ['api'],
  response: { 200: { description: 'OpenAPI 3.1', type: 'object', additionalProperties: true } },
};
