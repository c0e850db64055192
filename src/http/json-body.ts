import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MatrixError } from '../core/errors.js';

/**
 * Parses every request body as JSON whatever its Content-Type, because Matrix clients do not all
 * send one. Route modules that take raw bodies (media) register their own parser inside their scope.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request: FastifyRequest, text: string | Buffer, done) => {
    const body = typeof text === 'string' ? text : text.toString('utf8');
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch {
      done(new MatrixError('M_NOT_JSON', 'The request body is not valid JSON.'), undefined);
    }
  });
}
