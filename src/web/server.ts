/**
 * The operator's HTTP server that `listen` and `serve` run: health, Prometheus metrics, the read-only
 * JSON API with its OpenAPI document, and the dashboard. It reads the store and the runtime's telemetry;
 * it changes nothing.
 */
import swagger from '@fastify/swagger';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Telemetry } from '../app/telemetry.js';
import type { Config } from '../config/schema.js';
import type { ListenAddress } from '../config/http-address.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { JobStore } from '../store/store.js';
import { apiRoutes } from './api.js';
import { openapiSchema, sharedSchemas } from './api-schemas.js';
import { dashboardRoute } from './dashboard.js';
import { installErrorHandlers } from './errors.js';
import { CloudHealth, healthRoutes, type ReadinessSources } from './health.js';
import { metricsRoute, ServiceMetrics } from './metrics.js';
import { paths } from './paths.js';

/** What the server reads: a runtime (app layer) fits as is. */
export interface WebSources {
  config: Pick<Config, 'http'>;
  store: JobStore;
  /** The pipeline's clock: job ages are measured against it (virtual in the sandbox). */
  clock: Clock;
  telemetry: Telemetry;
  logger: Logger;
}

export interface WebServerOptions {
  /** Present when this process consumes from the bus: readiness and a metric follow its connection. */
  bus?: { readonly connected: boolean };
  /** Wall-clock milliseconds for the cloud-failure limit of /ready (tests move it). */
  now?: () => number;
}

export interface WebServer {
  app: FastifyInstance;
  metrics: ServiceMetrics;
  /** `http://host:port` once listening (the port chosen when 0 was asked for). */
  url?: string;
  close(): Promise<void>;
}

export async function createWebServer(
  sources: WebSources,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const app = fastify({
    loggerInstance: sources.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Probes and scrapes every few seconds would drown the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'fedora-marketplace',
        version: '1',
        description:
          'Read-only: health, metrics, jobs, products, quarantine and the dashboard. Jobs are the objects `status --json` prints.',
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  for (const schema of sharedSchemas) app.addSchema(schema);
  installErrorHandlers(app);

  const metrics = new ServiceMetrics({
    telemetry: sources.telemetry,
    store: sources.store,
    clock: sources.clock,
    ...(options.bus ? { bus: options.bus } : {}),
  });
  const readiness: ReadinessSources = {
    store: sources.store,
    cloud: new CloudHealth(sources.telemetry, options.now ?? Date.now),
    cloudFailureSeconds: sources.config.http.cloudFailureSeconds,
    ...(options.bus ? { bus: options.bus } : {}),
  };
  healthRoutes(app, readiness);
  metricsRoute(app, metrics);
  apiRoutes(app, sources.store);
  dashboardRoute(app, {
    store: sources.store,
    clock: sources.clock,
    refreshSeconds: sources.config.http.dashboardRefreshSeconds,
    readiness,
  });
  app.get(paths.openapi, { schema: openapiSchema }, async () => app.swagger());
  await app.ready();

  const server: WebServer = {
    app,
    metrics,
    async close() {
      await app.close();
      metrics.close();
    },
  };
  return server;
}

/** Creates the server and binds it; `url` tells where. */
export async function startWebServer(
  sources: WebSources,
  address: ListenAddress,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const server = await createWebServer(sources, options);
  try {
    await server.app.listen({ host: address.host, port: address.port });
  } catch (error) {
    await server.close();
    throw listenError(error, address);
  }
  const bound = server.app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  server.url = `http://${host}:${port}`;
  return server;
}

/** An address the system refuses (taken, not ours, privileged) is the operator's to change, not a bug. */
function listenError(error: unknown, address: ListenAddress): unknown {
  const code = (error as { code?: unknown }).code;
  if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') return error;
  return new ConfigError(`cannot serve HTTP on ${address.host}:${address.port} (${code})`, [
    {
      field: 'http.listen',
      value: `${address.host}:${address.port}`,
      rule: 'must be an address of this machine with a port no other process listens on',
      hint: 'pass another one with --http ADDR:PORT (port 0: any free one), or --no-http for listen',
    },
  ]);
}
