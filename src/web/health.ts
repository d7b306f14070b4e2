/**
 * `/live` and `/ready`. Live: the process answers. Ready: the store answers a query, the bus consumer is
 * connected (when this process consumes), and calls to the cloud have not all been failing for longer
 * than `http.cloudFailureSeconds`. Kubernetes stops routing to an unready pod and restarts a dead one.
 */
import type { FastifyInstance } from 'fastify';
import type { Telemetry } from '../app/telemetry.js';
import type { CloudCall, CloudCallOutcome } from '../cloud/observed-cloud.js';
import type { JobStore } from '../store/store.js';
import { paths } from './paths.js';
import { healthSchemas } from './api-schemas.js';

/** Outcomes that say the cloud side is unwell; a not-found or a validation error is still an answer. */
const failing: ReadonlySet<CloudCallOutcome> = new Set([
  'network',
  'server',
  'throttling',
  'access-denied',
  'error',
]);

/** Follows the cloud calls: since when every call has failed, if they do. */
export class CloudHealth {
  private failingSince: number | undefined;
  private lastFailure: CloudCall | undefined;

  constructor(
    telemetry: Telemetry,
    private readonly now: () => number,
  ) {
    telemetry.on('cloudCall', (call) => this.record(call));
  }

  private record(call: CloudCall): void {
    if (!failing.has(call.outcome)) {
      this.failingSince = undefined;
      this.lastFailure = undefined;
      return;
    }
    this.failingSince ??= this.now();
    this.lastFailure = call;
  }

  /** Undefined while healthy; else why not, once the failures have lasted longer than `limitSeconds`. */
  problem(limitSeconds: number): string | undefined {
    if (this.failingSince === undefined || !this.lastFailure) return undefined;
    const seconds = Math.round((this.now() - this.failingSince) / 1000);
    if (seconds <= limitSeconds) return undefined;
    const { service, operation, outcome } = this.lastFailure;
    return `every cloud call has failed for ${seconds} s (limit ${limitSeconds} s); the last: ${service} ${operation} (${outcome})`;
  }
}

export interface ReadinessSources {
  store: Pick<JobStore, 'ping'>;
  cloud: CloudHealth;
  cloudFailureSeconds: number;
  /** Present when this process consumes from the bus. */
  bus?: { readonly connected: boolean };
  /** How long the store may take to answer before it counts as unreachable. */
  storeTimeoutMs?: number;
}

export interface Check {
  ok: boolean;
  reason?: string;
}

export interface Readiness {
  status: 'ready' | 'unready';
  checks: { store: Check; bus?: Check; cloud: Check };
}

export async function readiness(sources: ReadinessSources): Promise<Readiness> {
  const store = await storeCheck(sources.store, sources.storeTimeoutMs ?? 2_000);
  const cloudProblem = sources.cloud.problem(sources.cloudFailureSeconds);
  const checks: Readiness['checks'] = {
    store,
    ...(sources.bus
      ? {
          bus: sources.bus.connected
            ? { ok: true }
            : { ok: false, reason: 'not connected to the message broker; reconnecting' },
        }
      : {}),
    cloud: cloudProblem ? { ok: false, reason: cloudProblem } : { ok: true },
  };
  const ok = Object.values(checks).every((c) => c.ok);
  return { status: ok ? 'ready' : 'unready', checks };
}

async function storeCheck(store: Pick<JobStore, 'ping'>, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([store.ping(), timeout]);
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `the job store does not answer: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(app: FastifyInstance, sources: ReadinessSources): void {
  app.get(paths.live, { schema: healthSchemas.live }, async () => ({ status: 'live' }));
  app.get(paths.ready, { schema: healthSchemas.ready }, async (_request, reply) => {
    const result = await readiness(sources);
    return reply.code(result.status === 'ready' ? 200 : 503).send(result);
  });
}
