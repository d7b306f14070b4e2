/**
 * What the running service reports about itself, as plain events: calls to the cloud, job steps, intake
 * decisions and announcements. The layers below only call hooks; whoever wants figures (the HTTP
 * server's Prometheus registry, readiness) subscribes here, so no lower layer knows about prom-client.
 */
import { EventEmitter } from 'node:events';
import type { CloudCall } from '../cloud/observed-cloud.js';
import type { JobStep } from '../pipeline/context.js';

/** What became of one delivery: an intake outcome, `seen` (a redelivery) or `requeued` (intake failed). */
export const intakeOutcomes = ['accepted', 'duplicate', 'skipped', 'rejected', 'seen', 'requeued'] as const;
export type IntakeEventOutcome = (typeof intakeOutcomes)[number];

export interface AnnouncementEvent {
  /** The job's end that was announced. */
  status: 'published' | 'failed';
  /** Whether the broker took the announcement. */
  outcome: 'sent' | 'failed';
}

export interface TelemetryEvents {
  cloudCall: [call: CloudCall];
  step: [step: JobStep];
  intake: [outcome: IntakeEventOutcome];
  announcement: [event: AnnouncementEvent];
}

export type Telemetry = EventEmitter<TelemetryEvents>;

export function createTelemetry(): Telemetry {
  return new EventEmitter<TelemetryEvents>();
}
