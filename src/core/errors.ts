/**
 * Error classes shared by every layer. Each carries the context a person needs to fix the problem
 * (field, value, rule, hint) and maps to one documented process exit code.
 */

/** Process exit codes; README "Exit codes" documents the same table. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  badInput: 3,
  config: 4,
  jobsFailed: 5,
  pending: 6,
  cloud: 7,
  state: 8,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorContext {
  /** Dotted path of the offending field, e.g. `products.Cloud_Base.regions[3]`. */
  field?: string;
  /** The offending value, already made safe to print. */
  value?: unknown;
  /** The rule that was broken, in words. */
  rule?: string;
  /** What to do about it. */
  hint?: string;
}

export abstract class AppError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }

  /** One paragraph: what is wrong, where, which rule, and the fix. */
  describe(): string {
    const { field, value, rule, hint } = this.context;
    const parts = [this.message.replace(/\.$/, '')];
    if (field !== undefined) parts.push(`field: ${field}`);
    if (value !== undefined) parts.push(`value: ${formatValue(value)}`);
    if (rule !== undefined) parts.push(`rule: ${rule}`);
    let text = parts.join('; ') + '.';
    if (hint !== undefined) text += ` Fix: ${hint}`;
    return text;
  }
}

/** A message, file or CLI request that cannot be accepted (schema, format, owner pinning). */
export class InputError extends AppError {
  readonly exitCode = ExitCode.badInput;

  // A verdict on the input, not a failure of the code: its stack is never shown, and capturing one
  // was most of the cost of constructing it (the bus intake makes one per rejected message).
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, context, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** Command line misuse (unknown option, missing argument). */
export class UsageError extends AppError {
  readonly exitCode = ExitCode.usage;
}

/** The configuration file is unreadable or breaks a rule. `issues` lists every problem found. */
export class ConfigError extends AppError {
  readonly exitCode = ExitCode.config;
  readonly issues: ErrorContext[];
  constructor(message: string, issues: ErrorContext[] = [], options?: { cause?: unknown }) {
    super(message, issues[0] ?? {}, options);
    this.issues = issues;
  }

  override describe(): string {
    if (this.issues.length <= 1) return super.describe();
    const lines = this.issues.map(
      (i) =>
        `  - ${i.field ?? '(root)'}: ${i.rule ?? ''}${i.value !== undefined ? ` (got ${formatValue(i.value)})` : ''}${i.hint !== undefined ? `. Fix: ${i.hint}` : ''}`,
    );
    return `${this.message.replace(/\.$/, '')}:\n${lines.join('\n')}`;
  }
}

export type CloudErrorKind =
  | 'throttling'
  | 'server'
  | 'resource-in-use'
  | 'not-found'
  | 'validation'
  | 'access-denied'
  | 'conflict'
  | 'quota'
  | 'network';

const retryableKinds: ReadonlySet<CloudErrorKind> = new Set([
  'throttling',
  'server',
  'resource-in-use',
  'network',
]);

/**
 * One detail of a failure: a Marketplace change's ErrorDetailList entry, or one field of a
 * ValidationException's ValidationExceptionFieldList (then with the field and the change it belongs to).
 */
export interface CloudErrorDetail {
  code: string;
  message: string;
  field?: string;
  changeType?: string;
  entityType?: string;
  entityId?: string;
}

/** Any AWS (or simulated AWS) failure, mapped to a domain kind that decides retry or stop. */
export class CloudError extends AppError {
  readonly exitCode = ExitCode.cloud;
  readonly kind: CloudErrorKind;
  /** The service's own error code, e.g. `InvalidAMIID.NotFound`, `ResourceInUseException`. */
  readonly awsCode: string;
  readonly service: string;
  readonly operation: string;
  readonly details: CloudErrorDetail[];

  constructor(args: {
    kind: CloudErrorKind;
    awsCode: string;
    service: string;
    operation: string;
    message: string;
    details?: CloudErrorDetail[];
    context?: ErrorContext;
    cause?: unknown;
  }) {
    super(`${args.service} ${args.operation} failed: ${args.awsCode}: ${args.message}`, args.context ?? {}, {
      cause: args.cause,
    });
    this.kind = args.kind;
    this.awsCode = args.awsCode;
    this.service = args.service;
    this.operation = args.operation;
    this.details = args.details ?? [];
  }

  get retryable(): boolean {
    return retryableKinds.has(this.kind);
  }

  override describe(): string {
    const base = super.describe();
    if (this.details.length === 0) return base;
    return `${base}\n${this.details.map((d) => `  - ${d.code}: ${d.message}`).join('\n')}`;
  }
}

/**
 * The state directory or the store cannot be used: missing, not a directory, read-only, disk full.
 * Nothing is wrong with the input or the configuration; the machine needs fixing.
 */
export class StateError extends AppError {
  readonly exitCode = ExitCode.state;
  constructor(
    readonly kind: StateProblem,
    message: string,
    context: ErrorContext,
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
  }
}

export type StateProblem = 'missing' | 'not-directory' | 'read-only' | 'full' | 'corrupt' | 'io' | 'outdated';

/** A bug: something the code assumed cannot happen did. */
export class InternalError extends AppError {
  readonly exitCode = ExitCode.internal;
}

/**
 * A value made short and safe to print. Hostile input can be nested thousands of levels deep, where
 * JSON.stringify and String() overflow the stack: such a value is described, never printed.
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return '(a value nested too deep to show)';
  }
  if (text === undefined) return typeof value;
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
