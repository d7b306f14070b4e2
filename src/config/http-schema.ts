/**
 * The `http:` section of our YAML: the operator's HTTP server that `listen` and `serve` run (health,
 * Prometheus metrics, the JSON API and the dashboard).
 */
import { z } from 'zod';
import { defaultHttpAddress, listenAddressRule, parseListenAddress } from './http-address.js';

export const httpSchema = z.strictObject({
  /** false: `listen` runs without the server (`serve` always runs it). */
  enabled: z.boolean().default(true),
  listen: z
    .string()
    .refine((text) => parseListenAddress(text) !== undefined, listenAddressRule)
    .default(defaultHttpAddress),
  /** /ready answers 503 once every call to the cloud has failed for this long. */
  cloudFailureSeconds: z.number().min(1).default(600),
  /** The dashboard reloads itself this often. */
  dashboardRefreshSeconds: z.number().int().min(5).default(30),
});

export type HttpSection = z.infer<typeof httpSchema>;

export const httpDefaults: HttpSection = httpSchema.parse({});
