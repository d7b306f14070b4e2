/**
 * Error bodies of the HTTP API: the same shape as the CLI's `--json` errors (type, a one-paragraph
 * message, and the field, value, rule and hint of src/core/errors.ts), so a script reads both alike.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { AppError } from '../core/errors.js';
import { InputError } from '../core/errors.js';
import { paths } from './paths.js';

export interface ErrorBody {
  error: { type: string; message: string; field?: string; value?: unknown; rule?: string; hint?: string };
}

export function errorBody(error: AppError, type: string = error.name): ErrorBody {
  return { error: { type, message: error.describe(), ...error.context } };
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The request's own spelling of a query parameter (before fastify coerced it). */
function rawParameter(request: FastifyRequest, name: string): unknown {
  const values = new URL(request.url, 'http://localhost').searchParams.getAll(name);
  return values.length > 1 ? values : values[0];
}

/** The first schema violation of a request, as an InputError naming the parameter, its value and the rule. */
export function validationError(request: FastifyRequest, errors: AjvError[], known: string[]): InputError {
  const first = errors[0] as AjvError;
  if (first.keyword === 'additionalProperties') {
    const name = String(first.params['additionalProperty']);
    return new InputError(`unknown parameter ${name}`, {
      field: name,
      value: rawParameter(request, name),
      rule: `is not a parameter of ${request.routeOptions.url}`,
      hint: `use one of: ${known.join(', ')}`,
    });
  }
  const field = first.instancePath.split('/')[1] ?? String(first.params['missingProperty'] ?? '(request)');
  const allowed = first.params['allowedValues'];
  const rule = Array.isArray(allowed)
    ? `must be one of: ${allowed.join(', ')}`
    : (first.message ?? 'is not valid');
  return new InputError(`parameter ${field} is not valid`, {
    field,
    value: rawParameter(request, field),
    rule,
    hint: `see ${paths.openapi} for every parameter of ${request.routeOptions.url}`,
  });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const schema = request.routeOptions.schema?.querystring as { properties?: object } | undefined;
      const known = Object.keys(schema?.properties ?? {});
      return reply.code(400).send(errorBody(validationError(request, error.validation as AjvError[], known)));
    }
    if (error instanceof InputError) return reply.code(400).send(errorBody(error));
    // Anything else is a bug or an outage: logged in full, answered without internals.
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(500).send({
      error: { type: 'InternalError', message: 'the request failed; the server log has the details' },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(
      errorBody(
        new InputError(`no route ${request.method} ${request.url.split('?')[0]}`, {
          rule: `must be one of the routes in ${paths.openapi}`,
        }),
        'NotFound',
      ),
    ),
  );
}
