import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// Bodies are validated without coercion, so `{"name": 5}` is an M_BAD_JSON error and not the
// string "5"; query strings and path parameters arrive as text and are coerced to their types.
const AJV_OPTIONS = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;

let bodyAjv: Ajv | undefined;
let textAjv: Ajv | undefined;

/** Validators whose schema has not been compiled yet; each removes itself when it compiles. */
const pending = new Set<() => ValidateFunction>();

/**
 * Returns a validator that compiles its schema with Ajv when it first validates. Compiling every
 * route's schemas before listening took 17 % of the start-up CPU time in a profile (see
 * docs/benchmarks.md), and kept code in memory for routes no client calls. The compiled validator
 * is the same as before, so bad input is rejected exactly as before.
 */
export const compileValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  let validate: ValidateFunction | undefined;
  const compile = () => {
    validate ??= ajvFor(httpPart).compile(schema as object);
    pending.delete(compile);
    return validate;
  };
  pending.add(compile);

  // Fastify turns an array of Ajv errors into an error carrying `validation` and `validationContext`.
  return (data: unknown) => {
    const check = validate ?? compile();
    return check(data) ? { value: data } : { error: check.errors as unknown as Error };
  };
};

/**
 * Compiles every schema not compiled yet and throws on the first invalid one. Tests call it after
 * registering the routes, because with compilation on first use an invalid schema would otherwise
 * only fail that route's first request.
 */
export function compilePendingValidators(): void {
  for (const compile of [...pending]) compile();
}

function ajvFor(httpPart: string | undefined): Ajv {
  if (httpPart === 'body') return (bodyAjv ??= new Ajv({ ...AJV_OPTIONS, coerceTypes: false }));
  return (textAjv ??= new Ajv({ ...AJV_OPTIONS, coerceTypes: true }));
}
