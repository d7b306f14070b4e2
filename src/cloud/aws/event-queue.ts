/** EventQueuePort over @aws-sdk/client-sqs: the queue EventBridge rules fill with AWS events. */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventQueuePort, QueuedMessage } from '../ports.js';
import { withRetry, type RetryPolicy } from './retry.js';

export class AwsEventQueue implements EventQueuePort {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly retry: RetryPolicy,
  ) {}

  async receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueuedMessage[]> {
    const result = await withRetry(
      this.retry,
      'sqs',
      'ReceiveMessage',
      () =>
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
            WaitTimeSeconds: Math.min(20, Math.max(0, Math.round(waitSeconds))),
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
          signal ? { abortSignal: signal } : {},
        ),
      signal,
    );
    return (result.Messages ?? []).flatMap((m) => {
      if (!m.MessageId || !m.ReceiptHandle) return [];
      const sent = Number(m.Attributes?.SentTimestamp);
      return [
        {
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body ?? '',
          ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent) } : {}),
        },
      ];
    });
  }

  async delete(receiptHandles: string[]): Promise<void> {
    if (receiptHandles.length === 0) return;
    const result = await withRetry(this.retry, 'sqs', 'DeleteMessageBatch', () =>
      this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: receiptHandles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
        }),
      ),
    );
    const failed = result.Failed ?? [];
    if (failed.length > 0)
      throw new Error(
        `${failed.length} of ${receiptHandles.length} messages not deleted: ${failed.map((f) => f.Code ?? f.Message ?? '?').join(', ')}`,
      );
  }

  async check(): Promise<{ queueArn: string; messages: number }> {
    const result = await withRetry(this.retry, 'sqs', 'GetQueueAttributes', () =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
        }),
      ),
    );
    return {
      queueArn: result.Attributes?.QueueArn ?? '',
      messages: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    };
  }
}
