import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { addMatrixFormats } from './formats.js';
import type { ResponseObject, SpecOperation } from './load.js';
import { RouteIndex } from './routes.js';

export interface ResponseValidation {
  /** False when no operation of the spec has this method and path, so nothing was checked. */
  matched: boolean;
  operationId?: string;
  /** Spec violations found. An empty list with `matched: false` means the endpoint is unknown to the spec. */
  errors: string[];
}

/** At most this many schema errors are listed per response, because `anyOf` failures list every branch. */
const MAX_SCHEMA_ERRORS = 10;

export function isJsonContentType(contentType: string): boolean {
  return /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

function describeSchemaError(error: ErrorObject): string {
  const location = `body${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if ('additionalProperty' in params) detail = ` (${String(params.additionalProperty)})`;
  else if ('allowedValues' in params) detail = ` (${JSON.stringify(params.allowedValues)})`;
  else if ('allowedValue' in params) detail = ` (${JSON.stringify(params.allowedValue)})`;
  return `${location} ${error.message ?? 'is invalid'}${detail}`;
}

/** Validates homeserver responses against the response schemas of the Matrix client-server API. */
export class SpecValidator {
  private readonly ajv: Ajv2020;
  private readonly routes: RouteIndex;
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor(operations: SpecOperation[]) {
    // Strict mode rejects the spec's `x-addedInMatrixVersion`, `x-changedInMatrixVersion` and
    // `x-pattern-format` keywords as unknown, and its union types such as `["string", "null"]`.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    formatsPlugin.default(this.ajv);
    addMatrixFormats(this.ajv);
    this.routes = new RouteIndex(operations);
  }

  /** Number of distinct method and path template pairs in the spec. */
  get routeCount(): number {
    return this.routes.routeCount;
  }

  /** Returns the operation for a method and URL, or undefined if the spec defines none. */
  matchOperation(
    method: string,
    url: string,
  ): { operationId: string; pathTemplate: string; parameters: Record<string, string> } | undefined {
    const match = this.routes.match(method, url);
    const operation = match?.route.operations[0];
    if (!match || !operation) return undefined;
    return { operationId: operation.operationId, pathTemplate: match.route.pathTemplate, parameters: match.parameters };
  }

  /**
   * Checks that the status is documented for the operation and that a JSON body matches the
   * documented schema. `url` is a path with an optional query, or an absolute URL.
   * A `contentType` that is not JSON skips the body check, and so does an undefined `body`.
   */
  validateResponse(
    method: string,
    url: string,
    status: number,
    body: unknown,
    contentType?: string,
  ): ResponseValidation {
    const match = this.routes.match(method, url);
    if (!match) return { matched: false, operationId: undefined, errors: [] };

    const results = match.route.operations.map((operation) => ({
      operationId: operation.operationId,
      errors: this.checkOperation(operation, status, body, contentType),
    }));

    // Where the spec defines two operations for one route, the response may match either.
    const best = results.reduce((fewest, result) => (result.errors.length < fewest.errors.length ? result : fewest));
    if (results.length > 1 && best.errors.length > 0) {
      const tried = results.map((result) => result.operationId).join(', ');
      return { matched: true, operationId: best.operationId, errors: [...best.errors, `(also checked against ${tried})`] };
    }
    return { matched: true, operationId: best.operationId, errors: best.errors };
  }

  private checkOperation(
    operation: SpecOperation,
    status: number,
    body: unknown,
    contentType: string | undefined,
  ): string[] {
    const label = `${operation.method} ${operation.pathTemplate}`;
    const response = this.findResponse(operation.responses, status);
    if (!response) {
      const documented = Object.keys(operation.responses).join(', ') || 'none';
      return [`status ${status} not documented for ${label} (documented: ${documented})`];
    }

    const content = response.content ?? {};
    const mediaTypes = Object.keys(content);
    const jsonMediaType = mediaTypes.find(isJsonContentType);
    if (contentType !== undefined && !isJsonContentType(contentType)) {
      const onlyJson = mediaTypes.length > 0 && mediaTypes.every(isJsonContentType);
      return onlyJson
        ? [`content type ${mediaType(contentType)} not documented for status ${status} of ${label}; expected ${mediaTypes.join(', ')}`]
        : [];
    }
    if (body === undefined) return [];
    if (mediaTypes.length > 0 && !jsonMediaType) {
      return [`status ${status} of ${label} documents no JSON body (documented: ${mediaTypes.join(', ')})`];
    }

    const schema = jsonMediaType ? content[jsonMediaType]?.schema : undefined;
    if (!schema) return [];
    const validate = this.compile(schema);
    if (validate(body)) return [];

    const errors = (validate.errors ?? []).map(describeSchemaError);
    if (errors.length <= MAX_SCHEMA_ERRORS) return errors;
    return [...errors.slice(0, MAX_SCHEMA_ERRORS), `... and ${errors.length - MAX_SCHEMA_ERRORS} more schema errors`];
  }

  /** Returns the response for the exact status, else its class (`4XX`), else `default`. */
  private findResponse(responses: Record<string, ResponseObject>, status: number): ResponseObject | undefined {
    const statusClass = `${Math.floor(status / 100)}XX`;
    const classKey = Object.keys(responses).find((key) => key.toUpperCase() === statusClass);
    return responses[String(status)] ?? (classKey ? responses[classKey] : undefined) ?? responses.default;
  }

  private compile(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}
