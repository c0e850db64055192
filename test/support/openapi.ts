// Validates homeserver responses against the OpenAPI definitions of the Matrix client-server API.
// Tests get a validator from loadSpecValidator() and wrap fetch with validatingFetch(), which
// collects every response that breaks the spec into a list of violations for one assertion.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOperations } from './openapi/load.js';
import { SpecValidator, isJsonContentType } from './openapi/validator.js';

export { SpecValidator } from './openapi/validator.js';
export type { ResponseValidation } from './openapi/validator.js';

/** A response that broke the spec, as recorded by validatingFetch(). */
export interface Violation {
  method: string;
  url: string;
  status: number;
  operationId?: string;
  errors: string[];
}

/** A response whose method and path no operation of the spec defines. */
export interface UnmatchedRequest {
  method: string;
  url: string;
  status: number;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Returns the Matrix spec checkout to use: LATTICE_MATRIX_SPEC, else `../shared/matrix-spec` beside the repository. */
export function specRootPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.LATTICE_MATRIX_SPEC;
  return configured ? resolve(configured) : resolve(REPO_ROOT, '..', 'shared', 'matrix-spec');
}

/** Returns the message that tests print when they skip because the spec is missing. */
export function missingSpecMessage(specRoot: string = specRootPath()): string {
  return `Matrix spec not found at ${specRoot}; set LATTICE_MATRIX_SPEC to validate responses against it`;
}

const validatorsByRoot = new Map<string, Promise<SpecValidator | undefined>>();

/**
 * Loads the client-server API of the spec checkout at `specRoot`, or returns undefined if it has
 * no `data/api/client-server` folder. Each root loads once per process.
 */
export function loadSpecValidatorFrom(specRoot: string): Promise<SpecValidator | undefined> {
  const root = resolve(specRoot);
  let pending = validatorsByRoot.get(root);
  if (!pending) {
    const apiDir = join(root, 'data', 'api', 'client-server');
    pending = existsSync(apiDir)
      ? loadOperations(apiDir).then((operations) => new SpecValidator(operations))
      : Promise.resolve(undefined);
    validatorsByRoot.set(root, pending);
  }
  return pending;
}

let warnedAboutMissingSpec = false;

/**
 * Loads the validator for the spec at specRootPath(). Returns undefined and warns once per
 * process if the spec is missing, so that a clone without the spec still passes its tests.
 */
export async function loadSpecValidator(): Promise<SpecValidator | undefined> {
  const specRoot = specRootPath();
  const validator = await loadSpecValidatorFrom(specRoot);
  if (!validator && !warnedAboutMissingSpec) {
    warnedAboutMissingSpec = true;
    console.warn(missingSpecMessage(specRoot));
  }
  return validator;
}

function requestMethod(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): string {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  return method.toUpperCase();
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

function isMatrixPath(url: string): boolean {
  const path = new URL(url, 'http://path.invalid').pathname;
  return path.startsWith('/_matrix/') || path.startsWith('/.well-known/matrix/');
}

/**
 * Wraps fetch so that every response to a `/_matrix/` or `/.well-known/matrix/` URL is checked
 * against the spec, and each one that breaks it is pushed onto `violations`. The wrapper reads
 * JSON bodies from a clone and returns the original response unchanged. It waits for the whole
 * clone, so a violation is recorded before the caller sees the response. Responses of endpoints
 * the spec does not define go to `options.unmatched` when given. With no validator, it only
 * calls `baseFetch`.
 * TODO: check request bodies, query parameters and headers too, because only responses are checked.
 */
export function validatingFetch(
  validator: SpecValidator | undefined,
  violations: Violation[],
  baseFetch: typeof fetch = fetch,
  options: { unmatched?: UnmatchedRequest[] } = {},
): typeof fetch {
  return async (input, init) => {
    const response = await baseFetch(input, init);
    const url = requestUrl(input);
    if (!validator || !isMatrixPath(url)) return response;

    const method = requestMethod(input, init);
    const contentType = response.headers.get('content-type') ?? undefined;
    let body: unknown;
    const readErrors: string[] = [];
    if (contentType !== undefined && isJsonContentType(contentType)) {
      let text: string;
      try {
        text = await response.clone().text();
      } catch {
        // The body failed to arrive (for example an aborted request), and the caller sees
        // that error when it reads the original, so there is nothing to validate.
        return response;
      }
      try {
        body = JSON.parse(text);
      } catch (error) {
        readErrors.push(`response body is not valid JSON: ${(error as Error).message}`);
      }
    }

    const result = validator.validateResponse(method, url, response.status, body, contentType);
    if (!result.matched) {
      options.unmatched?.push({ method, url, status: response.status });
      return response;
    }
    const errors = [...readErrors, ...result.errors];
    if (errors.length > 0) {
      violations.push({ method, url, status: response.status, operationId: result.operationId, errors });
    }
    return response;
  };
}

/** Formats violations as a multi-line message for a failed assertion. */
export function formatViolations(violations: readonly Violation[]): string {
  if (violations.length === 0) return 'No responses broke the Matrix spec.';
  const lines = [`${violations.length} response(s) broke the Matrix spec:`];
  for (const violation of violations) {
    const operation = violation.operationId ? ` [${violation.operationId}]` : '';
    lines.push(`${violation.method} ${violation.url} -> ${violation.status}${operation}`);
    for (const error of violation.errors) lines.push(`  - ${error}`);
  }
  return lines.join('\n');
}

/**
 * Asserts that no recorded response broke the spec, or skips the test with a message when the
 * spec is not available, so a clone without it still passes.
 */
export async function assertNoViolations(t: { skip(message: string): void }, violations: readonly Violation[]): Promise<void> {
  if (!(await loadSpecValidator())) {
    t.skip('the Matrix spec is not available');
    return;
  }
  assert.deepEqual(violations, [], formatViolations(violations));
}
