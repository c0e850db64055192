import type { FastifyInstance } from 'fastify';
import type { LatticeConfig } from './config/schema.js';
import type { Logger } from './logging.js';
import { buildHttpServer } from './http/server.js';
import { migrateToLatest, openDatabase, type Db } from './storage/database.js';
import { openStorage, verifyServerName, type Storage } from './storage/index.js';
import { loadOrCreateSigningKey } from './signing-key-file.js';
import type { SigningKey } from './core/signing-key.js';
import { createServices, type Services } from './services.js';
import type { PostgresNotificationRelay, RelayDeps } from './sync/notifier-relay.js';
import { registerApiRoutes } from './http/routes/index.js';
import { startMetricsListener } from './metrics/listener.js';
import type { LatticeMetrics } from './metrics/registry.js';

/** A running homeserver: its HTTP listener, services and database. */
export interface Lattice {
  app: FastifyInstance;
  storage: Storage;
  services: Services;
  /** The address actually bound, useful when the configured port is 0. */
  address: { host: string; port: number };
  /** The metrics listener's address, when `metrics.enabled` is set. */
  metricsAddress: { host: string; port: number } | undefined;
  close(): Promise<void>;
}

/** Opens the database, builds the services and starts listening. */
export async function startLattice(config: LatticeConfig, logger: Logger): Promise<Lattice> {
  const db: Db = await openDatabase(config.database, logger);
  // Checked before migrating, so a database of another server is left exactly as it was.
  await verifyServerName(db, config.server_name).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  await migrateToLatest(db, logger);
  const storage = openStorage(db);
  await storage.checkServerName(config.server_name);

  const signingKey: SigningKey = loadOrCreateSigningKey(config.signing_key_path, logger);
  const services = createServices({ config, storage, signingKey, logger });
  const relay = await startRelay(config, {
    db, notifier: services.notifier, tokens: services.accounts, logger: logger.child({ component: 'relay' }),
  });

  const metrics = config.metrics.enabled ? await createMetrics(services) : undefined;
  const app = await buildHttpServer({
    logger,
    accounts: services.accounts,
    maxRequestSize: config.max_request_size,
    onRequestCompleted: metrics ? (observation) => metrics.observeRequest(observation) : undefined,
    registerRoutes: (instance) => registerApiRoutes(instance, { config, services }),
  });

  const handlers = trackRunningHandlers(app);
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const bound = app.server.address();
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host: config.listen.host, port: config.listen.port };
  const metricsListener = metrics
    ? await startMetricsListener(metrics, config.metrics.host, config.metrics.port, logger)
    : undefined;
  services.nextcloud.sync.start();
  logger.info({ ...address, serverName: config.server_name, publicBaseurl: config.public_baseurl }, 'lattice started');

  return {
    app,
    storage,
    services,
    address,
    metricsAddress: metricsListener?.address,
    async close() {
      // Long-polls first: Fastify's close waits for requests in flight, and a /sync would
      // otherwise hold it for its whole timeout. New requests get 503 from here on.
      services.notifier.releaseAll();
      await services.nextcloud.sync.stop();
      await closeHttp(app);
      await handlers.drained(HANDLER_DRAIN_TIMEOUT_MS);
      await metricsListener?.close();
      services.close();
      await relay?.close();
      await db.destroy();
      logger.info({ serverName: config.server_name }, 'lattice stopped');
    },
  };
}

/**
 * Starts the relay that carries wake-ups between processes sharing a PostgreSQL database. Its
 * module, and pg with it, is imported only then, so a SQLite server never loads them.
 */
async function startRelay(config: LatticeConfig, deps: Omit<RelayDeps, 'connection'>): Promise<PostgresNotificationRelay | undefined> {
  if (config.database.type !== 'postgres') return undefined;
  const { startNotificationRelay } = await import('./sync/notifier-relay.js');
  return startNotificationRelay(config.database, deps);
}

/**
 * Builds the Prometheus metrics, imported only when `metrics.enabled` is set. Without it nothing
 * can read them, and prom-client's event-loop delay and GC collectors would still run.
 */
async function createMetrics(services: Services): Promise<LatticeMetrics> {
  const { LatticeMetrics } = await import('./metrics/registry.js');
  return new LatticeMetrics({
    activeSyncs: () => services.notifier.waiting,
    countEvents: () => services.admin.countEvents(),
  });
}

/**
 * Closes the listener and waits for requests in flight. Node closes only the connections idle at
 * the moment of close, so a keep-alive connection whose request finishes later would hold the
 * process for the whole keep-alive timeout; sweeping idle connections until close ends avoids that.
 */
async function closeHttp(app: FastifyInstance): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}

// Maximum wait at shutdown for handlers whose client went away. After it the database closes anyway.
const HANDLER_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Counts requests whose handler has not finished. Fastify's close waits for open connections,
 * but a client that aborts (a /sync it stopped) closes its connection while the handler still
 * runs queries, and closing the database under it would fail them. onSend runs when the handler
 * finishes even for an aborted request, and onResponse covers replies that skip onSend.
 */
function trackRunningHandlers(app: FastifyInstance): { drained(timeoutMs: number): Promise<void> } {
  const running = new Set<object>();
  let onIdle: (() => void) | undefined;
  const finish = async (request: object) => {
    if (running.delete(request) && running.size === 0) onIdle?.();
  };
  app.addHook('onRequest', async (request) => {
    running.add(request);
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    await finish(request);
    return payload;
  });
  app.addHook('onResponse', async (request) => finish(request));
  return {
    async drained(timeoutMs) {
      if (running.size === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}
