import type { FastifyInstance } from 'fastify';

/** GET /health: 200 "OK" while the server accepts requests, for load balancers. */
export function registerHealthRoutes(app: FastifyInstance): void {
  app.get('/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
}
