/**
 * Serves a CatalogPort over the Marketplace Catalog API's REST-JSON routes, so that the real
 * `@aws-sdk/client-marketplace-catalog` client (and the aws adapter) can be exercised over HTTP
 * against the simulated Marketplace. Errors use AWS's shape: HTTP status from the service model,
 * `x-amzn-errortype` header and a `{"Message": ...}` body.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { CloudError, type CloudErrorDetail, type CloudErrorKind } from '../../core/errors.js';
import type { CatalogPort, Change, ChangeSetStatus, ChangeSetSummary, EntitySummary } from '../ports.js';

export interface CatalogServerOptions {
  catalog: CatalogPort;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Seller account, for the EntityArn of ListEntities results (omitted when unknown). */
  sellerAccount?: string;
}

/** HTTP status per error shape, from the service model. */
const httpStatus: Record<string, number> = {
  ValidationException: 422,
  ResourceInUseException: 423,
  ThrottlingException: 429,
  ResourceNotFoundException: 404,
  AccessDeniedException: 403,
  ServiceQuotaExceededException: 402,
  ResourceNotSupportedException: 415,
  InternalServiceException: 500,
};

const codeForKind: Record<CloudErrorKind, string> = {
  throttling: 'ThrottlingException',
  server: 'InternalServiceException',
  'resource-in-use': 'ResourceInUseException',
  'not-found': 'ResourceNotFoundException',
  validation: 'ValidationException',
  conflict: 'ValidationException',
  'access-denied': 'AccessDeniedException',
  quota: 'ServiceQuotaExceededException',
  network: 'InternalServiceException',
};

class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new RequestError('ValidationException', message);

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  let code = 'InternalServiceException';
  let message = 'There was an internal service exception.';
  let fields: CloudErrorDetail[] = [];
  if (error instanceof RequestError) {
    code = error.code;
    message = error.message;
  } else if (error instanceof CloudError) {
    code = httpStatus[error.awsCode] !== undefined ? error.awsCode : codeForKind[error.kind];
    message = error.message;
    fields = error.details.filter((d) => d.field !== undefined);
  } else if (error instanceof SyntaxError) {
    code = 'ValidationException';
    message = `Request body is not valid JSON: ${error.message}`;
  }
  return reply
    .code(httpStatus[code] ?? 500)
    .header('x-amzn-errortype', code)
    .header('content-type', 'application/json')
    .send({
      Message: message,
      ...(code === 'ValidationException' && fields.length > 0
        ? {
            ValidationExceptionFieldList: fields.map((f) => ({
              Reason: f.code,
              ...(f.entityType ? { EntityType: f.entityType } : {}),
              ...(f.entityId ? { EntityId: f.entityId } : {}),
              ...(f.changeType ? { ChangeType: f.changeType } : {}),
              Field: f.field,
              Message: f.message,
            })),
          }
        : {}),
    });
}

type Body = Record<string, unknown>;

function body(request: FastifyRequest): Body {
  const value = request.body;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

function query(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') throw invalid(`Query parameter ${name} is required`);
  return value;
}

function requireCatalog(value: unknown): void {
  if (value !== 'AWSMarketplace')
    throw invalid(`Catalog must be AWSMarketplace (got ${JSON.stringify(value)})`);
}

const detailsStringPattern = /^\s*\{[\s\S]*\}\s*$/;

function toChange(raw: unknown, index: number): Change {
  const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
  const entity = (typeof c.Entity === 'object' && c.Entity !== null ? c.Entity : {}) as Body;
  if (typeof c.ChangeType !== 'string' || typeof entity.Type !== 'string') {
    throw invalid(`ChangeSet[${index}] needs ChangeType and Entity.Type`);
  }
  if (c.Details !== undefined && c.DetailsDocument !== undefined) {
    throw invalid(`ChangeSet[${index}]: use either Details or DetailsDocument, not both`);
  }
  let details: unknown = c.DetailsDocument;
  if (c.Details !== undefined) {
    // The Details string must hold a JSON object (2-16384 characters): list documents need DetailsDocument.
    if (typeof c.Details !== 'string' || !detailsStringPattern.test(c.Details) || c.Details.length > 16384)
      throw invalid(`ChangeSet[${index}].Details must be a JSON object as a string of 2-16384 characters`);
    try {
      details = JSON.parse(c.Details);
    } catch {
      throw invalid(`ChangeSet[${index}].Details is not valid JSON`);
    }
  }
  return {
    ChangeType: c.ChangeType,
    Entity: {
      Type: entity.Type,
      ...(typeof entity.Identifier === 'string' ? { Identifier: entity.Identifier } : {}),
    },
    DetailsDocument: details,
    ...(typeof c.ChangeName === 'string' ? { ChangeName: c.ChangeName } : {}),
  };
}

function filterValues(filters: unknown, name: string): string[] | undefined {
  if (!Array.isArray(filters)) return undefined;
  const matching = filters.filter(
    (f): f is Body => typeof f === 'object' && f !== null && (f as Body).Name === name,
  );
  if (matching.length === 0) return undefined;
  return matching.flatMap((f) => (Array.isArray(f.ValueList) ? f.ValueList.map(String) : []));
}

/** Offset pagination: the token is the index of the next item. */
function page<T>(
  items: T[],
  maxResults: unknown,
  nextToken: unknown,
  limit: number,
): { items: T[]; next?: string } {
  const size = typeof maxResults === 'number' ? Math.min(Math.max(1, maxResults), limit) : limit;
  const start =
    typeof nextToken === 'string' ? Number.parseInt(Buffer.from(nextToken, 'base64url').toString(), 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalid('NextToken is not valid');
  const slice = items.slice(start, start + size);
  const more = start + size < items.length;
  return { items: slice, ...(more ? { next: Buffer.from(String(start + size)).toString('base64url') } : {}) };
}

function summaryItem(s: ChangeSetSummary) {
  return {
    ChangeSetId: s.changeSetId,
    ChangeSetArn: s.changeSetArn,
    ...(s.changeSetName ? { ChangeSetName: s.changeSetName } : {}),
    StartTime: s.startTime,
    ...(s.endTime ? { EndTime: s.endTime } : {}),
    Status: s.status,
    EntityIdList: s.entityIds,
    ...(s.failureCode ? { FailureCode: s.failureCode } : {}),
  };
}

export async function startCatalogServer(
  options: CatalogServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const { catalog } = options;
  const app = Fastify({ logger: false });
  // The SDK sends `content-type: application/json` with an empty body on PATCH /CancelChangeSet.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, text === '' ? {} : JSON.parse(String(text)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));

  app.post('/StartChangeSet', async (request) => {
    const b = body(request);
    requireCatalog(b.Catalog);
    if (!Array.isArray(b.ChangeSet)) throw invalid('ChangeSet is required');
    if (b.Intent !== undefined && b.Intent !== 'APPLY' && b.Intent !== 'VALIDATE')
      throw invalid('Intent must be APPLY or VALIDATE');
    const started = await catalog.startChangeSet({
      changes: b.ChangeSet.map(toChange),
      changeSetName: typeof b.ChangeSetName === 'string' ? b.ChangeSetName : '',
      clientRequestToken:
        typeof b.ClientRequestToken === 'string' ? b.ClientRequestToken : crypto.randomUUID(),
      intent: b.Intent,
    });
    return { ChangeSetId: started.changeSetId, ChangeSetArn: started.changeSetArn };
  });

  app.get('/DescribeChangeSet', async (request) => {
    requireCatalog(query(request, 'catalog'));
    const d = await catalog.describeChangeSet(query(request, 'changeSetId'));
    return {
      ChangeSetId: d.changeSetId,
      ChangeSetArn: d.changeSetArn,
      ...(d.changeSetName ? { ChangeSetName: d.changeSetName } : {}),
      Intent: d.intent,
      StartTime: d.startTime,
      ...(d.endTime ? { EndTime: d.endTime } : {}),
      Status: d.status,
      ...(d.failureCode ? { FailureCode: d.failureCode } : {}),
      ...(d.failureDescription ? { FailureDescription: d.failureDescription } : {}),
      ChangeSet: d.changes.map((c) => ({
        ChangeType: c.changeType,
        Entity: { Type: c.entity.type, ...(c.entity.identifier ? { Identifier: c.entity.identifier } : {}) },
        Details: JSON.stringify(c.details),
        DetailsDocument: c.details,
        ErrorDetailList: c.errors.map((e) => ({ ErrorCode: e.code, ErrorMessage: e.message })),
        ...(c.changeName ? { ChangeName: c.changeName } : {}),
      })),
    };
  });

  app.get('/DescribeEntity', async (request) => {
    requireCatalog(query(request, 'catalog'));
    const entityId = query(request, 'entityId');
    // DescribeEntity takes only an id: look among products, then offers.
    const e = await catalog.describeEntity(entityId, 'AmiProduct@1.0').catch(async (error: unknown) => {
      if (error instanceof CloudError && error.kind === 'not-found')
        return catalog.describeEntity(entityId, 'Offer@1.0');
      throw error;
    });
    return {
      EntityType: e.entityType,
      EntityIdentifier: `${e.entityId}@1`,
      EntityArn: e.entityArn,
      LastModifiedDate: e.lastModifiedDate,
      Details: JSON.stringify(e.details),
      DetailsDocument: e.details,
    };
  });

  app.post('/ListChangeSets', async (request) => {
    const b = body(request);
    requireCatalog(b.Catalog);
    const names = filterValues(b.FilterList, 'ChangeSetName');
    const entityIds = filterValues(b.FilterList, 'EntityId');
    const statuses = filterValues(b.FilterList, 'Status') as ChangeSetStatus[] | undefined;
    const sort = (b.Sort ?? {}) as Body;
    let items = (await catalog.listChangeSets(statuses ? { statuses } : {}))
      .filter((s) => !names || names.includes(s.changeSetName))
      .filter((s) => !entityIds || s.entityIds.some((id) => entityIds.includes(id)));
    if (sort.SortBy === 'EndTime')
      items = [...items].sort((a, b2) => (b2.endTime ?? '').localeCompare(a.endTime ?? ''));
    if (sort.SortOrder === 'ASCENDING') items = [...items].reverse();
    const { items: pageItems, next } = page(items, b.MaxResults, b.NextToken, 20);
    return { ChangeSetSummaryList: pageItems.map(summaryItem), ...(next ? { NextToken: next } : {}) };
  });

  app.post('/ListEntities', async (request) => {
    const b = body(request);
    requireCatalog(b.Catalog);
    if (typeof b.EntityType !== 'string') throw invalid('EntityType is required');
    if (b.EntityType === 'Offer') return listOffers(b);
    if (b.EntityType !== 'AmiProduct') return { EntitySummaryList: [] };
    const filters = ((b.EntityTypeFilters as Body | undefined)?.AmiProductFilters ?? {}) as Record<
      string,
      Body | undefined
    >;
    const titles = filters.ProductTitle?.ValueList as string[] | undefined;
    const wildcard = filters.ProductTitle?.WildCardValue as string | undefined;
    const ids =
      (filters.EntityId?.ValueList as string[] | undefined) ?? filterValues(b.FilterList, 'EntityId');
    const visibilities = filters.Visibility?.ValueList as string[] | undefined;
    const found = titles
      ? (
          await Promise.all(
            titles.map((productTitle) => catalog.listEntities({ entityType: 'AmiProduct', productTitle })),
          )
        ).flat()
      : await catalog.listEntities({ entityType: 'AmiProduct' });
    const items = found
      .filter((e) => !wildcard || e.name.toLowerCase().includes(wildcard.toLowerCase()))
      .filter((e) => !ids || ids.includes(e.entityId))
      .filter((e) => !visibilities || (e.visibility !== undefined && visibilities.includes(e.visibility)));
    const { items: pageItems, next } = page(items, b.MaxResults, b.NextToken, 50);
    return {
      EntitySummaryList: pageItems.map((e) => ({
        ...entitySummary(e),
        ...(e.visibility ? { Visibility: e.visibility } : {}),
        AmiProductSummary: {
          ...(e.name ? { ProductTitle: e.name } : {}),
          ...(e.visibility ? { Visibility: e.visibility } : {}),
        },
      })),
      ...(next ? { NextToken: next } : {}),
    };
  });

  /** The fields every EntitySummary has; the ARN needs the seller account. */
  function entitySummary(e: EntitySummary) {
    return {
      ...(e.name ? { Name: e.name } : {}),
      EntityType: e.entityType,
      EntityId: e.entityId,
      ...(options.sellerAccount
        ? {
            EntityArn: `arn:aws:aws-marketplace:us-east-1:${options.sellerAccount}:AWSMarketplace/${e.entityType}/${e.entityId}`,
          }
        : {}),
      LastModifiedDate: e.lastModifiedDate,
    };
  }

  async function listOffers(b: Body) {
    const filters = ((b.EntityTypeFilters as Body | undefined)?.OfferFilters ?? {}) as Record<
      string,
      Body | undefined
    >;
    const productIds = filters.ProductId?.ValueList as string[] | undefined;
    const ids =
      (filters.EntityId?.ValueList as string[] | undefined) ?? filterValues(b.FilterList, 'EntityId');
    const states = filters.State?.ValueList as string[] | undefined;
    const items = (await catalog.listEntities({ entityType: 'Offer' }))
      .filter((e) => !productIds || (e.productId !== undefined && productIds.includes(e.productId)))
      .filter((e) => !ids || ids.includes(e.entityId))
      .filter((e) => !states || (e.state !== undefined && states.includes(e.state)));
    const { items: pageItems, next } = page(items, b.MaxResults, b.NextToken, 50);
    return {
      EntitySummaryList: pageItems.map((e) => ({
        ...entitySummary(e),
        OfferSummary: {
          ...(e.name ? { Name: e.name } : {}),
          ...(e.productId ? { ProductId: e.productId } : {}),
          ...(e.state ? { State: e.state } : {}),
        },
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  app.patch('/CancelChangeSet', async (request) => {
    requireCatalog(query(request, 'catalog'));
    const changeSetId = query(request, 'changeSetId');
    await catalog.cancelChangeSet(changeSetId);
    // The port does not return the ARN; a failed read-back must not turn a done cancel into an error.
    const arn = await catalog.describeChangeSet(changeSetId).then(
      (d) => d.changeSetArn,
      () => undefined,
    );
    return { ChangeSetId: changeSetId, ...(arn ? { ChangeSetArn: arn } : {}) };
  });

  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}
