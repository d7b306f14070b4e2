/**
 * Detection latency: from the moment AWS sends the event that ends a wait (a copy available, a change
 * set ended) to the moment the job's stage has seen it and moved on. The events' times come from the
 * queue (SQS SentTimestamp; the simulation stamps the instant the copy or set ended); the moves from the
 * scheduler's steps. The same measure applies with events off: the events still reach the queue, nobody
 * reads them until the run is over, and what is measured is then how late polling noticed.
 */
import { readAwsEvent } from '../cloud/aws-events.js';
import type { EventQueuePort } from '../cloud/ports.js';
import { awaitedKeys } from '../core/model/awaited.js';
import type { Job } from '../core/model/job.js';

export class DetectionRecorder {
  /** Awaited key -> when its event was sent (ms). */
  private readonly sent = new Map<string, number>();
  /** Each step that ended a wait: what it awaited and when it was saved. */
  private readonly ended: Array<{ keys: string[]; at: number }> = [];

  /** The queue, noting the time of every event received through it. */
  recording(queue: EventQueuePort): EventQueuePort {
    return {
      receive: async (max, waitSeconds, signal) => {
        const messages = await queue.receive(max, waitSeconds, signal);
        for (const m of messages) {
          const reading = readAwsEvent(m.body);
          if (reading.kind === 'wait-ended' && m.sentAt && !this.sent.has(reading.key))
            this.sent.set(reading.key, m.sentAt.getTime());
        }
        return messages;
      },
      delete: (handle) => queue.delete(handle),
      check: () => queue.check(),
      ...(queue.nextEventAt ? { nextEventAt: () => queue.nextEventAt?.() } : {}),
    };
  }

  /** A scheduler step: one that left a waiting stage ended a wait. */
  step(job: Job, previous: Job): void {
    const keys = awaitedKeys(previous.data.awaiting);
    if (keys.length > 0 && job.state !== previous.state)
      this.ended.push({ keys, at: job.updatedAt.getTime() });
  }

  /** Reads what is left on the queue (a run without the consumer), so those events' times are known too. */
  async readRest(queue: EventQueuePort): Promise<void> {
    const recording = this.recording(queue);
    while ((await recording.receive(10, 0)).length > 0);
  }

  /** Milliseconds from the last awaited event to the step that moved on, per ended wait. */
  samples(): number[] {
    return this.ended.flatMap(({ keys, at }) => {
      const times = keys.map((k) => this.sent.get(k));
      if (times.some((t) => t === undefined)) return [];
      return [Math.max(0, at - Math.max(...(times as number[])))];
    });
  }
}
