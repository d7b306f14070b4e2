/**
 * Maps AWS SDK v3 failures to CloudError kinds, which decide retry or stop. Messages are scrubbed:
 * an SDK error can echo request details, and credentials must never leave (DESIGN invariant 6).
 */
import { CloudError, type CloudErrorDetail, type CloudErrorKind } from '../../core/errors.js';

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
  /** Marketplace Catalog ValidationException: the fields that failed, with the change they belong to. */
  ValidationExceptionFieldList?: unknown;
}

/** The Catalog API's ValidationExceptionFieldList as error details (field, change, reason, message). */
function fieldDetails(list: unknown): CloudErrorDetail[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => {
      const text = (key: string) => (typeof item[key] === 'string' ? scrubSecrets(item[key]) : undefined);
      const where = {
        field: text('Field'),
        changeType: text('ChangeType'),
        entityType: text('EntityType'),
        entityId: text('EntityId'),
      };
      return {
        code: text('Reason') ?? 'Other',
        message: text('Message') ?? '',
        ...Object.fromEntries(Object.entries(where).filter(([, value]) => value !== undefined)),
      };
    });
}

const throttlingCodes = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const serverCodes = new Set([
  'InternalServiceException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
]);
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const authCodes = new Set([
  'UnauthorizedOperation',
  'AuthFailure',
  'ExpiredToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'CredentialsProviderError',
]);
const networkNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function statusOf(error: SdkErrorShape): number | undefined {
  const status = error.$metadata?.httpStatusCode ?? error.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The error code as AWS names it; SDK v3 puts it in `name` (`Code` for some query protocols). */
function awsCodeOf(error: SdkErrorShape): string {
  const name = text(error.name);
  const code = text(error.Code) ?? text(error.code);
  if (name && name !== 'Error' && !(code && networkCodes.has(code))) return name;
  return code ?? name ?? 'UnknownError';
}

/** A 500 whose body is not the service's protocol (moto answers unimplemented calls with HTML). */
function isUnparseable500(status: number | undefined, message: string): boolean {
  return (
    status !== undefined &&
    status >= 500 &&
    /Deserialization error|parse error|Unexpected token|<html/i.test(message)
  );
}

function kindOf(code: string, status: number | undefined, message: string): CloudErrorKind | undefined {
  if (throttlingCodes.has(code) || status === 429) return 'throttling';
  if (networkCodes.has(code) || networkNames.has(code) || /socket hang up/i.test(message)) return 'network';
  if (code === 'ResourceInUseException') return 'resource-in-use';
  if (code === 'ServiceQuotaExceededException') return 'quota';
  if (code === 'IdempotentParameterMismatch' || code === 'ConflictException') return 'conflict';
  if (code.startsWith('AccessDenied') || authCodes.has(code)) return 'access-denied';
  if (code === 'ResourceNotFoundException' || code.includes('NotFound')) return 'not-found';
  if (code === 'ValidationException' || code.startsWith('InvalidParameter')) return 'validation';
  if (serverCodes.has(code) || (status !== undefined && status >= 500)) return 'server';
  return undefined;
}

const secretPatterns: Array<[RegExp, string]> = [
  [
    /(aws_secret_access_key|secretAccessKey|sessionToken|aws_session_token)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
    '$1$2[redacted]',
  ],
  // An Authorization header runs to the end of its line (several comma-separated parts).
  [/(authorization)(["']?\s*[:=]\s*["']?)[^\n"']+/gi, '$1$2[redacted]'],
  // Signed headers and pre-signed query parameters.
  [/(x-amz-[a-z-]+)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi, '$1$2[redacted]'],
  [/(Credential|Signature|SignedHeaders)=[^\s,&"']+/g, '$1=[redacted]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '[redacted-access-key]'],
];

/** Removes anything that looks like a credential or a signed header from a message. */
export function scrubSecrets(message: string): string {
  return secretPatterns.reduce((acc, [pattern, replacement]) => acc.replace(pattern, replacement), message);
}

export function toCloudError(error: unknown, service: string, operation: string): CloudError {
  if (error instanceof CloudError) return error;
  const shape: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const rawMessage = text(shape.message) ?? String(error);
  const status = statusOf(shape);
  let awsCode = awsCodeOf(shape);
  let kind = kindOf(awsCode, status, rawMessage);
  let message = scrubSecrets(rawMessage);
  if (isUnparseable500(status, rawMessage)) {
    awsCode = 'NotImplemented';
    kind = 'server';
    message = `HTTP ${status} with a body that is not an AWS response (the endpoint may not implement ${operation})`;
  }
  if (kind === undefined) kind = shape.$fault === 'server' ? 'server' : 'validation';
  return new CloudError({
    kind,
    awsCode,
    service,
    operation,
    message,
    details: fieldDetails(shape.ValidationExceptionFieldList),
    // No `cause`: the raw SDK error is not scrubbed and would travel into logs.
    context: status !== undefined ? { value: { httpStatus: status } } : {},
  });
}
