// matrix-js-sdk clients with their Rust crypto, for the end-to-end encryption tests.
import { LoggerLevel, Tracing } from '@matrix-org/matrix-sdk-crypto-wasm';
import { ClientEvent, createClient, SyncState, type ICreateClientOpts, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { logger as sdkLogger, type Logger } from 'matrix-js-sdk/lib/logger.js';
import type { TestServer } from '../support/server.js';

export interface Credentials {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/** Quiets matrix-js-sdk, whose loglevel setLevel its exported type leaves out. */
export function quietSdkLogs(): void {
  (sdkLogger as unknown as { setLevel(level: string): void }).setLevel('error');
}

/** A logger for the clients that keeps only errors, so test output stays readable. */
const errorsOnly: Logger = {
  trace: () => {}, debug: () => {}, info: () => {}, warn: () => {},
  error: (...message: unknown[]) => console.error(...message),
  getChild: () => errorsOnly,
};

/** Starts a client with an in-memory Rust crypto store and resolves once its first sync is done. */
export async function startCryptoClient(
  server: TestServer, credentials: Credentials, options: { fetchFn: typeof fetch; cryptoCallbacks?: ICreateClientOpts['cryptoCallbacks'] },
): Promise<MatrixClient> {
  const client = createClient({ baseUrl: server.baseUrl, ...credentials, fetchFn: options.fetchFn, cryptoCallbacks: options.cryptoCallbacks, logger: errorsOnly });
  await client.initRustCrypto({ useIndexedDB: false });
  // initRustCrypto turns the Rust side's tracing on at debug level; keep its warnings only.
  new Tracing(LoggerLevel.Warn).turnOn();
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState, _previous: SyncState | null, data) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(data?.error ?? new Error('sync error'));
    });
  });
  await client.startClient({ initialSyncLimit: 50, lazyLoadMembers: true });
  await prepared;
  return client;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the client shows an encrypted event of the room that decrypted to a message with this body. */
export function waitForDecrypted(client: MatrixClient, roomId: string, body: string, timeoutMs = 20_000): Promise<MatrixEvent> {
  return eventually(`"${body}" decrypted by ${client.getUserId()}/${client.getDeviceId()}`, () => {
    const events = client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
    return events.find((event) => event.isEncrypted() && !event.isDecryptionFailure() && event.getContent().body === body);
  }, timeoutMs);
}

/** Waits until the user is joined to the room in the client's view, so that keys are shared with them. */
export function waitForMembership(client: MatrixClient, roomId: string, userId: string, membership: string): Promise<true> {
  return eventually(`${userId} ${membership} in ${roomId}`, () => (client.getRoom(roomId)?.getMember(userId)?.membership === membership ? true : undefined));
}

/** The initial state that makes a room encrypted with Megolm from its creation. */
export const ENCRYPTION_STATE = { type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } };

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  responseBody?: unknown;
}

/**
 * Wraps fetch to record every request to the given paths, and to hold requests to
 * `holdPaths` while `held` is true (a client that cannot reach the server for them).
 */
export class RecordingFetch {
  readonly requests: RecordedRequest[] = [];
  held = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly base: typeof fetch, private readonly holdPaths: readonly string[] = []) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (this.held && this.holdPaths.some((path) => url.pathname.startsWith(path))) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const response = await this.base(input, init);
    const record: RecordedRequest = { method: init?.method ?? 'GET', path: url.pathname, body: parseBody(init?.body) };
    this.requests.push(record);
    if (response.headers.get('content-type')?.includes('json')) record.responseBody = await response.clone().json().catch(() => undefined);
    return response;
  };

  release(): void {
    this.held = false;
    this.waiting.splice(0).forEach((resume) => resume());
  }

  since(index: number, pathPrefix: string): RecordedRequest[] {
    return this.requests.slice(index).filter((request) => request.path.startsWith(pathPrefix));
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
