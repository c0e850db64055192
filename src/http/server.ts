import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import { registerAuthHook } from './auth.js';
import { handleError } from './errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { RouteMethodIndex } from './route-methods.js';
import { compileValidator } from './validation.js';
import type { AccountService } from '../identity/accounts.js';
import type { RequestObservation } from '../metrics/registry.js';

export interface HttpServerOptions {
  logger: Logger;
  accounts: AccountService;
  maxRequestSize: number;
  /** Called after each response is sent, for metrics. */
  onRequestCompleted?: (observation: RequestObservation) => void;
  /** Registers the route modules; called inside the configured instance. */
  registerRoutes: (app: FastifyInstance) => void | Promise<void>;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization',
};

/** Builds the Fastify instance: body parsing, validation, CORS, auth, errors, then the routes. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One debug line per request comes from the onResponse hook below, with the user id on it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxRequestSize,
    // Clients long-poll /sync for up to several minutes; the request timeout must not cut them off.
    requestTimeout: 0,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    genReqId: () => `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
  });

  app.setValidatorCompiler(compileValidator);
  app.setErrorHandler(handleError);
  registerJsonBodyParser(app);

  // The spec asks every endpoint to allow cross-origin use, since web clients run on other origins.
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(CORS_HEADERS);
  });
  app.options('/*', async (_request, reply) => reply.status(204).send());

  const routeMethods = new RouteMethodIndex();
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  app.setNotFoundHandler(async (request) => {
    const path = request.url.split('?')[0] ?? '/';
    if (routeMethods.isKnownPathWithOtherMethod(path, request.method)) {
      throw new MatrixError('M_UNRECOGNIZED', `${request.method} is not supported for ${path}.`, { status: 405 });
    }
    throw new MatrixError('M_UNRECOGNIZED', `Unrecognized request: ${request.method} ${path}`);
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method, url: request.routeOptions.url, status: reply.statusCode,
        userId: request.session?.userId, deviceId: request.session?.deviceId, ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    options.onRequestCompleted?.({
      method: request.method,
      // Unmatched paths share one label, so scanners cannot grow the metric without bound.
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
  });

  registerAuthHook(app, options.accounts);
  await options.registerRoutes(app);
  return app;
}
