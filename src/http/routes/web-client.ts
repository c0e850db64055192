import type { FastifyInstance } from 'fastify';
import { basename } from 'node:path';
import { buildWebClientConfig, type WebClientConfigSource } from '../../web-client/config-json.js';
import { sendPage } from '../pages.js';

export interface WebClientRouteDeps extends WebClientConfigSource {
  web_client: WebClientConfigSource['web_client'] & { path: string | undefined };
  /** Origins besides this one that may show the client in a frame, from `sso.frame_ancestors`. */
  frameAncestors: string[];
}

/**
 * File names that carry a content hash, which change whenever their content does: Element's
 * `bundles/<hash>/` folder and names such as `vendor.3f9a2c1d.js`.
 */
const HASHED_PATH = /(^|\/)bundles\/|[.-][0-9a-f]{8,}\.[a-z0-9]+$/i;

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function registerWebClientRoutes(app: FastifyInstance, deps: WebClientRouteDeps): void {
  const root = deps.web_client.path;
  if (root === undefined) {
    /** GET /: a short page naming the API's address, since no web client is configured. */
    app.get('/', async (_request, reply) => sendPage(reply, 200, {
      title: 'Lattice Matrix server',
      paragraphs: [
        `This is the Matrix homeserver ${deps.server_name}. Its client-server API is at ${deps.public_baseurl}_matrix/client/.`,
        `To chat, open a Matrix client such as Element and sign in with the homeserver ${deps.public_baseurl}.`,
      ],
    }));
    return;
  }

  const configJson = JSON.stringify(buildWebClientConfig(deps), null, 2);
  const frameAncestors = ["'self'", ...deps.frameAncestors].join(' ');

  /** GET /config.json: the web client's configuration, generated from lattice.yaml. */
  app.get('/config.json', async (_request, reply) => reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-cache')
    .send(configJson));

  // NOTE: Element first requests `config.<hostname>.json`; a file of that name in the web client's
  // folder is served as it is and takes precedence over the generated config.json.
  // @fastify/static is imported only here, so a server that hosts no web client never loads it.
  void app.register(import('@fastify/static'), {
    root,
    prefix: '/',
    index: ['index.html'],
    cacheControl: false,
    decorateReply: false,
    setHeaders: (response, path) => {
      response.setHeader('cache-control', HASHED_PATH.test(path) && basename(path) !== 'index.html' ? IMMUTABLE : 'no-cache');
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('content-security-policy', `frame-ancestors ${frameAncestors}`);
    },
  });
}
