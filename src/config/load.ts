import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ErrorContext } from '../core/errors.js';
import { configSchema, type Config, type ListingConfig, type ProductConfig } from './schema.js';
import { sandboxConfig } from './sandbox-config.js';
import type { AwsArch } from '../core/arch.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or `(embedded sandbox)`. */
  source: string;
  sandbox: boolean;
  /** The file itself names `cloud.adapter` (the embedded sandbox and a file without it use the default). */
  adapterExplicit: boolean;
}

export const embeddedSource = '(embedded sandbox)';

/** A configuration is a few KiB; anything far larger is not one (and is not parsed). */
const maxConfigBytes = 1024 * 1024;
/**
 * YAML aliases expand on reading: a few lines can stand for billions of values (a "billion laughs"
 * file). A configuration has no need for more than a handful.
 */
const maxAliasCount = 100;

/** Reads and validates a config file; with no file, the embedded sandbox configuration. */
export function loadConfig(file?: string): LoadedConfig {
  if (!file) {
    return {
      config: parseConfig(sandboxConfig, embeddedSource),
      source: embeddedSource,
      sandbox: true,
      adapterExplicit: false,
    };
  }
  const input = readYaml(file);
  const config = parseConfig(input, file);
  return {
    config,
    source: file,
    sandbox: config.cloud.adapter === 'sim',
    adapterExplicit: (input as { cloud?: { adapter?: unknown } } | null)?.cloud?.adapter !== undefined,
  };
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    if (statSync(file).size > maxConfigBytes) {
      throw new ConfigError(`configuration file ${file} is too large`, [
        {
          field: '(file)',
          value: file,
          rule: `must be at most ${maxConfigBytes} bytes`,
          hint: 'pass the YAML configuration file with --config',
        },
      ]);
    }
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`cannot read configuration file ${file}`, [
      {
        field: '(file)',
        value: file,
        rule: (cause as Error).message,
        hint: 'pass an existing, readable YAML file with --config',
      },
    ]);
  }
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        `configuration file ${file} is not valid YAML`,
        doc.errors.map((e) => ({
          field: `line ${e.linePos?.[0]?.line ?? '?'}`,
          rule: e.message.split('\n')[0] ?? e.message,
        })),
      );
    }
    return doc.toJS({ maxAliasCount });
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    // The yaml library refuses alias bombs (ReferenceError) and runs out of stack on absurd nesting.
    throw new ConfigError(`configuration file ${file} cannot be read safely`, [
      {
        field: '(file)',
        value: file,
        rule: `${(cause as Error).message}; a configuration may use at most ${maxAliasCount} YAML aliases and ordinary nesting`,
        hint: 'write the values out instead of expanding them through anchors and aliases; examples/fedora.yaml shows the shape',
      },
    ]);
  }
}

export function parseConfig(input: unknown, source: string): Config {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    `configuration ${source} is invalid`,
    result.error.issues.map((i) => issueContext(i, input)),
  );
}

function issueContext(issue: z.core.$ZodIssue, input: unknown): ErrorContext {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return {
      field: keys.map((k) => formatPath([...issue.path, k])).join(', '),
      rule: `unknown key${keys.length > 1 ? 's' : ''}: not part of the configuration schema`,
      hint: 'check the spelling against examples/fedora.yaml or README "Configuration reference"',
    };
  }
  const value = valueAt(input, issue.path);
  // Cross-field rules (schema.ts superRefine) carry the fix in params.hint.
  const hint = issue.code === 'custom' ? (issue.params as { hint?: unknown } | undefined)?.hint : undefined;
  return {
    field: path || '(root)',
    ...(value !== undefined ? { value } : {}),
    rule: issue.message,
    ...(typeof hint === 'string' ? { hint } : {}),
  };
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** The listing fields of one product for one architecture: product defaults, then the arch overrides. */
export function resolveListing(product: ProductConfig, arch: AwsArch): ListingConfig {
  const { productIds: _ids, architectures, ...base } = product;
  const override = architectures[arch] ?? {};
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) if (v !== undefined) merged[k] = v;
  return merged as ListingConfig;
}
