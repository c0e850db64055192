import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MatrixError } from '../core/errors.js';

/**
 * Turns every error that reaches Fastify into the spec's JSON error body. Client mistakes keep
 * their own code; anything unexpected becomes a 500 whose body hides the cause, which is logged.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const matrixError = toMatrixError(error);
  if (matrixError.status >= 500) {
    request.log.error({ err: error, userId: request.session?.userId }, 'request failed');
  } else {
    request.log.debug({ errcode: matrixError.errcode, reason: matrixError.message }, 'request rejected');
  }
  if (matrixError.errcode === 'M_LIMIT_EXCEEDED' && typeof matrixError.extra.retry_after_ms === 'number') {
    reply.header('Retry-After', Math.ceil(matrixError.extra.retry_after_ms / 1000));
  }
  void reply.status(matrixError.status).send(matrixError.toJSON());
}

function toMatrixError(error: FastifyError | Error): MatrixError {
  if (error instanceof MatrixError) return error;
  const fastifyError = error as FastifyError;

  if (fastifyError.validation) {
    const part = fastifyError.validationContext;
    const detail = describeValidation(fastifyError);
    if (part === 'body') return new MatrixError('M_BAD_JSON', `Invalid request body: ${detail}`);
    if (fastifyError.validation.some((v) => v.keyword === 'required')) {
      return new MatrixError('M_MISSING_PARAM', `Missing parameter: ${detail}`);
    }
    return new MatrixError('M_INVALID_PARAM', `Invalid ${part ?? 'parameter'}: ${detail}`);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MatrixError('M_TOO_LARGE', 'The request body is larger than this server accepts.', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MatrixError('M_NOT_JSON', 'The request body must be JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MatrixError('M_BAD_JSON', 'The Content-Length header does not match the body.');
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new MatrixError('M_UNKNOWN', fastifyError.message, { status: fastifyError.statusCode });
  }
  return new MatrixError('M_UNKNOWN', 'Internal server error.', { status: 500, cause: error });
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  if (first.keyword === 'required') return `"${String(first.params.missingProperty)}" is required${where ? ` in ${where}` : ''}`;
  return `${where || 'value'} ${first.message ?? 'is invalid'}`;
}
