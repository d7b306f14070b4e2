/**
 * Checks HTTP responses against the server's own OpenAPI document: the JSON Schema of the route, method
 * and status it declares, with the document's shared component schemas.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components?: { schemas?: Record<string, object> };
}

/** `/api/v1/jobs/:id` (fastify) is `/api/v1/jobs/{id}` (OpenAPI). */
export function openapiPath(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, 'openapi');
  }

  /** The body must match what the document declares for this route, method, status and JSON content. */
  expectValid(route: string, status: number, body: unknown, method = 'get'): void {
    const path = openapiPath(route);
    const response = this.doc.paths[path]?.[method]?.responses[String(status)];
    expect(response, `${method.toUpperCase()} ${path} declares no ${status} response`).toBeDefined();
    expect(response?.content?.['application/json'], `${path} ${status} is not JSON`).toBeDefined();
    const pointer = [
      'paths',
      path,
      method,
      'responses',
      String(status),
      'content',
      'application/json',
      'schema',
    ]
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const key = `${method} ${path} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi#/${pointer}` });
      this.compiled.set(key, validate);
    }
    expect(validate(body), `${key}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
}
