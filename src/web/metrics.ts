/**
 * The Prometheus registry behind `/metrics`. Counters and the stage histogram follow the runtime's
 * telemetry events as they happen; the job gauges are read from the store at each scrape (one summary
 * query), so a `serve` process shows what workers elsewhere put in a shared store.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { intakeOutcomes, type AnnouncementEvent, type Telemetry } from '../app/telemetry.js';
import type { CloudCall } from '../cloud/observed-cloud.js';
import type { Clock } from '../core/clock.js';
import { isTerminal, jobStates, stages, type Stage } from '../core/model/job.js';
import type { JobStep } from '../pipeline/context.js';
import type { JobStore } from '../store/store.js';
import { metricsSchema } from './api-schemas.js';
import { paths } from './paths.js';

export const metricPrefix = 'fedora_marketplace_';

/** Final change-set statuses (DescribeChangeSet). */
const finalStatuses = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Stages last from seconds (verify) to days (await, while AWS reviews): buckets span both. */
const stageBuckets = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, 86400, 259200];

export interface MetricsSources {
  telemetry: Telemetry;
  store: Pick<JobStore, 'summarize'>;
  clock: Clock;
  /** Present when this process consumes from the bus. */
  bus?: { readonly connected: boolean };
}

/** What one job step tells the metrics: a stage that ended, and a change set that ended. */
export interface StepObservation {
  stageEnded?: { stage: Stage; outcome: 'advanced' | 'failed'; seconds: number };
  changeSetEnded?: string;
}

export function observeStep({ previous, job }: JobStep): StepObservation {
  const observation: StepObservation = {};
  if (previous.state !== job.state && !isTerminal(previous.state)) {
    const started = previous.data.stageStartedAt
      ? Date.parse(previous.data.stageStartedAt)
      : previous.createdAt.getTime();
    observation.stageEnded = {
      stage: previous.state,
      outcome: job.state === 'failed' ? 'failed' : 'advanced',
      seconds: Math.max(0, (job.updatedAt.getTime() - started) / 1000),
    };
  }
  const status = job.data.changeSetStatus;
  if (status && finalStatuses.has(status) && status !== previous.data.changeSetStatus)
    observation.changeSetEnded = status;
  return observation;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly jobs: Gauge;
  private readonly oldest: Gauge;
  private readonly quarantined: Gauge;
  private readonly busConnected: Gauge | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const intake = new Counter({
      name: `${metricPrefix}intake_messages_total`,
      help: 'Bus deliveries by what intake made of them: accepted, duplicate, skipped, rejected, seen (a redelivery), requeued (intake failed)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of intakeOutcomes) intake.inc({ outcome }, 0);

    this.jobs = new Gauge({
      name: `${metricPrefix}jobs`,
      help: 'Jobs in the store by state',
      labelNames: ['state'],
      registers,
    });
    this.oldest = new Gauge({
      name: `${metricPrefix}oldest_job_age_seconds`,
      help: 'Per stage, how long the job that has been in it longest has been there (0: no job in the stage)',
      labelNames: ['stage'],
      registers,
    });
    this.quarantined = new Gauge({
      name: `${metricPrefix}quarantined_messages`,
      help: 'Rejected input kept in the quarantine',
      registers,
    });
    this.busConnected = sources.bus
      ? new Gauge({
          name: `${metricPrefix}bus_connected`,
          help: '1 while the consumer is connected to the message broker',
          registers,
        })
      : undefined;

    const stageDuration = new Histogram({
      name: `${metricPrefix}stage_duration_seconds`,
      help: 'Time a job spent in a stage, observed when it left it (advanced or failed); pipeline clock',
      labelNames: ['stage', 'outcome'],
      buckets: stageBuckets,
      registers,
    });
    const changeSets = new Counter({
      name: `${metricPrefix}change_sets_total`,
      help: "Change sets that add a job's version, seen to end, by final status (SUCCEEDED, FAILED, CANCELLED)",
      labelNames: ['status'],
      registers,
    });
    for (const status of finalStatuses) changeSets.inc({ status }, 0);
    const resourceInUse = new Counter({
      name: `${metricPrefix}resource_in_use_waits_total`,
      help: 'Catalog API calls refused with ResourceInUseException (the product was locked: the job waits)',
      registers,
    });
    const awsCalls = new Counter({
      name: `${metricPrefix}aws_calls_total`,
      help: 'Calls through the cloud ports by service, operation and outcome (ok or the error kind), after SDK retries',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
    });
    const announcements = new Counter({
      name: `${metricPrefix}announcements_total`,
      help: 'Announcements of ended jobs by job status (published, failed) and outcome (sent, failed)',
      labelNames: ['status', 'outcome'],
      registers,
    });
    for (const status of ['published', 'failed'])
      for (const outcome of ['sent', 'failed']) announcements.inc({ status, outcome }, 0);

    const { telemetry } = sources;
    const onIntake = (outcome: string) => intake.inc({ outcome });
    const onStep = (step: JobStep) => {
      const { stageEnded, changeSetEnded } = observeStep(step);
      if (stageEnded)
        stageDuration.observe({ stage: stageEnded.stage, outcome: stageEnded.outcome }, stageEnded.seconds);
      if (changeSetEnded) changeSets.inc({ status: changeSetEnded });
    };
    const onCall = (call: CloudCall) => {
      awsCalls.inc({ service: call.service, operation: call.operation, outcome: call.outcome });
      if (call.outcome === 'resource-in-use') resourceInUse.inc();
    };
    const onAnnouncement = (event: AnnouncementEvent) => announcements.inc({ ...event });
    telemetry.on('intake', onIntake);
    telemetry.on('step', onStep);
    telemetry.on('cloudCall', onCall);
    telemetry.on('announcement', onAnnouncement);
    this.unsubscribe = () => {
      telemetry.off('intake', onIntake);
      telemetry.off('step', onStep);
      telemetry.off('cloudCall', onCall);
      telemetry.off('announcement', onAnnouncement);
    };
  }

  /** The exposition text, with the store gauges read now. */
  async scrape(): Promise<string> {
    const summary = await this.sources.store.summarize();
    const now = this.sources.clock.now().getTime();
    for (const state of jobStates) this.jobs.set({ state }, summary.jobs[state] ?? 0);
    for (const stage of stages) {
      const since = summary.oldestInStage[stage];
      this.oldest.set({ stage }, since ? Math.max(0, (now - since.getTime()) / 1000) : 0);
    }
    this.quarantined.set(summary.quarantined);
    this.busConnected?.set(this.sources.bus?.connected ? 1 : 0);
    return this.registry.metrics();
  }

  close(): void {
    this.unsubscribe();
    this.registry.clear();
  }
}

export function metricsRoute(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.get(paths.metrics, { schema: metricsSchema }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.scrape()),
  );
}
