/**
 * The simulated SQS queue of AWS events (events.ts sends them as time settles). Receiving lets simulated
 * time settle first, since that is when events are sent; a long poll sleeps, in wall time, until the
 * next event is due or the wait ends.
 */
import { wallSleep } from '../../core/clock.js';
import type { EventQueuePort, QueuedMessage } from '../ports.js';
import { nextEventAt } from './events.js';
import type { SimWorld } from './world.js';
import type { SimQueuedEvent, WorldState } from './world-state.js';

/** SQS's default visibility timeout. */
const visibilityTimeoutMs = 30_000;

/** How often a long poll looks for events of work started while it waits (wall milliseconds). */
const newWorkLookMs = 50;

export class SimEventQueue implements EventQueuePort {
  constructor(
    private readonly world: SimWorld,
    private readonly queueArn: string,
    private readonly wallNow: () => number = Date.now,
  ) {}

  async receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueuedMessage[]> {
    const deadline = this.wallNow() + waitSeconds * 1000;
    for (;;) {
      // One look per round (it polls every newWorkLookMs while events flow). Only a receive that hands
      // messages out changes the queue (and writes the world).
      const look = this.world.read((state, now) => ({
        visible: (state.eventQueue ?? []).some((m) => isVisible(m, now)),
        next: nextEventAt(state),
        now,
      }));
      const received = look.visible ? this.world.mutate((state, now) => takeVisible(state, now, max)) : [];
      const left = deadline - this.wallNow();
      if (received.length > 0 || left <= 0 || signal?.aborted) return received;
      const untilNext = look.next !== undefined ? Math.max(1, look.next - look.now) : left;
      // A copy or change set started meanwhile can end sooner than anything known now: look again soon.
      await wallSleep(Math.min(left, untilNext, newWorkLookMs), signal);
    }
  }

  async delete(receiptHandles: string[]): Promise<void> {
    this.world.mutate((state) => {
      state.eventQueue = (state.eventQueue ?? []).filter((m) => !receiptHandles.includes(receiptOf(m)));
    });
  }

  async check(): Promise<{ queueArn: string; messages: number }> {
    return { queueArn: this.queueArn, messages: this.world.peek((s) => (s.eventQueue ?? []).length) };
  }

  nextEventAt(): Date | undefined {
    const at = this.world.peek(nextEventAt);
    return at === undefined ? undefined : new Date(at);
  }
}

function receiptOf(message: SimQueuedEvent): string {
  return `${message.messageId}#${message.receipts ?? 0}`;
}

const isVisible = (message: SimQueuedEvent, now: number) =>
  message.sentAt <= now && (message.invisibleUntil ?? 0) <= now;

function takeVisible(state: WorldState, now: number, max: number): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const message of state.eventQueue ?? []) {
    if (out.length >= max) break;
    if (!isVisible(message, now)) continue;
    message.receipts = (message.receipts ?? 0) + 1;
    message.invisibleUntil = now + visibilityTimeoutMs;
    out.push({
      messageId: message.messageId,
      receiptHandle: receiptOf(message),
      body: message.body,
      sentAt: new Date(message.sentAt),
    });
  }
  return out;
}
