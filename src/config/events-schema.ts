/**
 * The `events:` section: the SQS queue that EventBridge rules fill with the AWS events ending our waits
 * (EC2 AMI State Change, Marketplace Catalog change-set events), and how rarely a wait an event can end
 * is still polled while those events flow.
 */
import { z } from 'zod';

/**
 * Per kind of wait, because what a lost event may cost should stay small beside the wait itself: copies
 * and change sets take minutes to an hour (a lost event costs at most 10 or 15 minutes), AWS's review of
 * Public visibility takes days (6 hours). A fallback only ever lengthens a wait's poll (the longer of
 * the two is taken), so no wait is polled more often than without events.
 */
export const defaultFallbackPollSeconds = { image: 600, changeSet: 900, review: 21_600 } as const;

export const eventsSchema = z
  .strictObject({
    /** The queue's URL as SQS shows it (https://sqs.<region>.amazonaws.com/<account>/<name>). */
    queueUrl: z.url({ protocol: /^https?$/, error: 'must be the queue URL SQS shows (https://sqs...)' }),
    /** The queue's region (the URL of a queue behind a custom endpoint does not name it). */
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region code such as us-east-1'),
    /** Which account of the listing partition owns the queue and reads it (its credentials and endpoints). */
    account: z.enum(['internal', 'seller']).default('internal'),
    /** While events flow, a wait an event can end is polled this rarely (the fallback for lost events). */
    fallbackPollSeconds: z
      .strictObject({
        image: z.number().min(1).default(defaultFallbackPollSeconds.image),
        changeSet: z.number().min(1).default(defaultFallbackPollSeconds.changeSet),
        review: z.number().min(1).default(defaultFallbackPollSeconds.review),
      })
      .default({ ...defaultFallbackPollSeconds }),
  })
  .optional();

export type EventsConfig = NonNullable<z.infer<typeof eventsSchema>>;
