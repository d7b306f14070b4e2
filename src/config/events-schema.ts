/**
 * The `events:` section: the SQS queue that EventBridge rules fill with the AWS events ending our waits
 * (EC2 AMI State Change, Marketplace Catalog change-set events), and how rarely a wait an event can end
 * is still polled while those events flow.
 */
import { z } from 'zod';

/**
 * One value, not one per wait: it is what a lost event can cost at most, and that is the figure an
 * operator reasons about. It only ever lengthens a wait's poll (pollAt takes the longer of the two), so
 * a day-long review is not polled more often than without events.
 */
export const defaultFallbackPollSeconds = 600;

export const eventsSchema = z
  .strictObject({
    /** The queue's URL as SQS shows it (https://sqs.<region>.amazonaws.com/<account>/<name>). */
    queueUrl: z.url({ protocol: /^https?$/, error: 'must be the queue URL SQS shows (https://sqs...)' }),
    /** The queue's region (the URL of a queue behind a custom endpoint does not name it). */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region code such as us-east-1'),
    /** Which configured account owns the queue and reads it (its credentials and endpoints are used). */
    account: z.enum(['internal', 'seller']).default('internal'),
    /** While events flow, a wait an event can end is polled this rarely (the fallback for lost events). */
    fallbackPollSeconds: z.number().min(1).default(defaultFallbackPollSeconds),
  })
  .optional();

export type EventsConfig = NonNullable<z.infer<typeof eventsSchema>>;
