import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describePostgresConnection } from '../config/database.js';
import type { DatabaseConfig, PostgresConnection } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { Db } from '../storage/database.js';
import { postgresClientConfig } from '../storage/dialect/postgres.js';
import type { Notification } from './notifier.js';

const CHANNEL = 'lattice_notifications';
// PostgreSQL rejects NOTIFY payloads of 8000 bytes or more (its default page size); this leaves
// room for the envelope.
const MAX_PAYLOAD_BYTES = 7000;
const RECONNECT_DELAYS_MS = [250, 1000, 2000, 5000, 10_000];

/** A channel message: one process's notifications and token revocations of one tick. */
interface RelayMessage {
  origin: string;
  notifications?: Notification[];
  /** Hashes of deleted access tokens, as stored in access_tokens.token_hash. */
  revokedTokens?: string[];
}

/** The sync notifier's side of the relay. */
export interface RelayedNotifier {
  forwardTo(forward: (notification: Notification) => void): void;
  applyRemote(notification: Notification): void;
  wakeAll(): void;
}

/** The access-token cache's side of the relay. */
export interface RelayedTokenCache {
  onTokensRevoked(listener: (tokenHashes: string[]) => void): void;
  forgetCachedTokens(tokenHashes: readonly string[]): void;
  clearTokenCache(): void;
}

export interface RelayDeps {
  db: Db;
  connection: PostgresConnection;
  notifier: RelayedNotifier;
  tokens: RelayedTokenCache;
  logger: Logger;
}

/**
 * Carries wake-ups and token revocations between Lattice processes that share one PostgreSQL
 * database, over LISTEN/NOTIFY. Each process publishes what it notifies locally and replays what
 * the others publish. So a /sync long-poll on one process wakes when another stores an event, and
 * a logout on one process removes the token's cached session from all of them.
 *
 * Messages are published after the data they announce has committed, so a woken /sync always
 * finds it. NOTE: a process that dies between its commit and its NOTIFY loses that wake-up; the
 * long-polls it concerned answer at their timeout, and their next /sync returns the data.
 */
export class PostgresNotificationRelay {
  private readonly origin = randomBytes(8).toString('hex');
  private listener: pg.Client | undefined;
  private pendingNotifications: Notification[] = [];
  private pendingRevocations: string[] = [];
  private flushScheduled = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failedPublishes = 0;

  private constructor(private readonly deps: RelayDeps) {}

  /** Connects the listening connection and starts relaying; throws when PostgreSQL cannot be reached. */
  static async start(deps: RelayDeps): Promise<PostgresNotificationRelay> {
    const relay = new PostgresNotificationRelay(deps);
    await relay.listen();
    deps.notifier.forwardTo((notification) => relay.enqueue({ notifications: [notification] }));
    deps.tokens.onTokensRevoked((tokenHashes) => relay.enqueue({ revokedTokens: tokenHashes }));
    deps.logger.info({ channel: CHANNEL, origin: relay.origin, database: describePostgresConnection(deps.connection) }, 'notification relay started');
    return relay;
  }

  /** Sends what is queued, then closes the listening connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.flush();
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
    this.deps.logger.info({ origin: this.origin }, 'notification relay stopped');
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(postgresClientConfig(this.deps.connection));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => this.onConnectionLost(client, error));
    client.on('end', () => this.onConnectionLost(client, undefined));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private onConnectionLost(client: pg.Client, error: Error | undefined): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => undefined);
    this.deps.logger.warn({ err: error, origin: this.origin }, 'notification relay lost its PostgreSQL connection; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt, RECONNECT_DELAYS_MS.length - 1)]!;
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.listen();
    } catch (error) {
      this.deps.logger.warn({ err: error, attempt: this.reconnectAttempt }, 'notification relay reconnect failed; retrying');
      this.scheduleReconnect();
      return;
    }
    this.deps.logger.info({ attempt: this.reconnectAttempt }, 'notification relay reconnected');
    this.reconnectAttempt = 0;
    // Messages sent while disconnected are gone: every long-poll reads the database again, and
    // cached sessions are looked up again in case their tokens were revoked meanwhile.
    this.deps.notifier.wakeAll();
    this.deps.tokens.clearTokenCache();
  }

  private receive(payload: string): void {
    let message: RelayMessage;
    try {
      message = JSON.parse(payload) as RelayMessage;
    } catch (error) {
      this.deps.logger.error({ err: error, bytes: payload.length }, 'notification relay received a message that is not JSON; ignored');
      return;
    }
    if (message.origin === this.origin) return;
    if (message.revokedTokens) this.deps.tokens.forgetCachedTokens(message.revokedTokens);
    for (const notification of message.notifications ?? []) this.deps.notifier.applyRemote(notification);
  }

  /** Queues a message part; everything queued in one tick is sent together. */
  private enqueue(part: { notifications?: Notification[]; revokedTokens?: string[] }): void {
    if (part.notifications) this.pendingNotifications.push(...part.notifications);
    if (part.revokedTokens) this.pendingRevocations.push(...part.revokedTokens);
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const payloads = packPayloads(this.origin, this.pendingNotifications, this.pendingRevocations);
    this.pendingNotifications = [];
    this.pendingRevocations = [];
    for (const payload of payloads) {
      try {
        await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(this.deps.db);
      } catch (error) {
        // Counted so a database outage logs one line per hundred failures, not one per event.
        this.failedPublishes += 1;
        if (this.failedPublishes % 100 === 1) {
          this.deps.logger.error({ err: error, failedPublishes: this.failedPublishes }, 'notification relay could not publish; long-polls on other processes return at their timeout');
        }
      }
    }
  }
}

/** Splits the queued items into JSON payloads below MAX_PAYLOAD_BYTES. */
function packPayloads(origin: string, notifications: Notification[], revokedTokens: string[]): string[] {
  const payloads: string[] = [];
  let current: RelayMessage = { origin };
  let size = JSON.stringify(current).length;
  const push = (key: 'notifications' | 'revokedTokens', item: Notification | string) => {
    const itemSize = Buffer.byteLength(JSON.stringify(item)) + key.length + 4;
    if (size + itemSize > MAX_PAYLOAD_BYTES && size > JSON.stringify({ origin }).length) {
      payloads.push(JSON.stringify(current));
      current = { origin };
      size = JSON.stringify(current).length;
    }
    ((current[key] ??= []) as Array<Notification | string>).push(item);
    size += itemSize;
  };
  revokedTokens.forEach((hash) => push('revokedTokens', hash));
  notifications.forEach((notification) => push('notifications', notification));
  if (current.notifications || current.revokedTokens) payloads.push(JSON.stringify(current));
  return payloads;
}

/**
 * Starts the relay when the database is PostgreSQL, where several processes may share it.
 * Returns undefined for SQLite, which only one process opens.
 */
export async function startNotificationRelay(
  database: DatabaseConfig, deps: Omit<RelayDeps, 'connection'>,
): Promise<PostgresNotificationRelay | undefined> {
  if (database.type !== 'postgres') return undefined;
  return PostgresNotificationRelay.start({ ...deps, connection: database.connection });
}
