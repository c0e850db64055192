import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// Bodies are validated without coercion, so `{"name": 5}` is an M_BAD_JSON error and not the
// string "5"; query strings and path parameters arrive as text and are coerced to their types.
const bodyAjv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
const textAjv = new Ajv({ coerceTypes: true, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });

export const compileValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate: ValidateFunction = (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
  // Fastify turns an array of Ajv errors into an error carrying `validation` and `validationContext`.
  return (data: unknown) => (validate(data) ? { value: data } : { error: validate.errors as unknown as Error });
};
