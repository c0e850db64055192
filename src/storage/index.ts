import type { Db } from './database.js';
import { dialectOf } from './dialect/index.js';
import { DeviceStore } from './devices.js';
import { ServerMetaStore } from './server-meta.js';
import { UserStore } from './users.js';
import { EventStore } from './events.js';
import { AccountDataStore } from './account-data.js';
import { RoomAliasStore } from './room-aliases.js';
import { ReceiptStore } from './receipts.js';
import { RelationStore } from './relations.js';
import { ThreepidStore } from './threepids.js';
import { DirectoryStateStore } from './directory-state.js';
import { ContentReportStore } from './content-reports.js';
import { OpenIdTokenStore } from './openid-tokens.js';
import { SyncReadStore } from './sync-reads.js';
import { PusherStore } from './pushers.js';

/** Every store, over one database connection. */
export interface Storage {
  db: Db;
  meta: ServerMetaStore;
  users: UserStore;
  devices: DeviceStore;
  events: EventStore;
  accountData: AccountDataStore;
  aliases: RoomAliasStore;
  receipts: ReceiptStore;
  relations: RelationStore;
  threepids: ThreepidStore;
  directoryState: DirectoryStateStore;
  reports: ContentReportStore;
  openidTokens: OpenIdTokenStore;
  /** Reads that /sync makes for many rooms at once. */
  syncReads: SyncReadStore;
  pushers: PusherStore;
  /** Records the server name on first start and refuses to run under another one afterwards. */
  checkServerName(serverName: string): Promise<void>;
}

/**
 * The database was created for another server_name. User and room ids contain the server name, so
 * a database cannot move to a new one.
 */
export class ServerNameMismatchError extends Error {
  constructor(
    readonly storedName: string,
    readonly configuredName: string,
    backend: 'sqlite' | 'postgres',
  ) {
    // A PostgreSQL config has no database.path, so its hint names the settings that choose the database.
    const newDatabase = backend === 'postgres'
      ? 'point the database section at a new, empty PostgreSQL database'
      : 'set database.path to a new file';
    super(
      `This database belongs to server_name "${storedName}", but the config sets server_name "${configuredName}". ` +
      'User and room ids contain the server name, so it cannot change. ' +
      `Set server_name back to "${storedName}", or ${newDatabase} to start a new server. Nothing was written.`,
    );
    this.name = 'ServerNameMismatchError';
  }
}

/**
 * Throws ServerNameMismatchError when the database records another server_name. Only reads, and
 * treats a database without the server_meta table as new, so it can run before any migration.
 */
export async function verifyServerName(db: Db, serverName: string): Promise<void> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === 'server_meta')) return;
  const stored = await new ServerMetaStore(db).get('server_name');
  if (stored !== undefined && stored !== serverName) throw new ServerNameMismatchError(stored, serverName, dialectOf(db).name);
}

export function openStorage(db: Db): Storage {
  const meta = new ServerMetaStore(db);
  return {
    db,
    meta,
    users: new UserStore(db),
    devices: new DeviceStore(db),
    events: new EventStore(db),
    accountData: new AccountDataStore(db),
    aliases: new RoomAliasStore(db),
    receipts: new ReceiptStore(db),
    relations: new RelationStore(db),
    threepids: new ThreepidStore(db),
    directoryState: new DirectoryStateStore(db),
    reports: new ContentReportStore(db),
    openidTokens: new OpenIdTokenStore(db),
    syncReads: new SyncReadStore(db),
    pushers: new PusherStore(db),
    async checkServerName(serverName: string) {
      const stored = await meta.get('server_name');
      if (stored === undefined) {
        await meta.set('server_name', serverName);
        return;
      }
      if (stored !== serverName) throw new ServerNameMismatchError(stored, serverName, dialectOf(db).name);
    },
  };
}
