import type { Db } from './database.js';
import { DeviceStore } from './devices.js';
import { ServerMetaStore } from './server-meta.js';
import { UserStore } from './users.js';
import { EventStore } from './events.js';
import { AccountDataStore } from './account-data.js';
import { RoomAliasStore } from './room-aliases.js';

/** Every store, over one database connection. */
export interface Storage {
  db: Db;
  meta: ServerMetaStore;
  users: UserStore;
  devices: DeviceStore;
  events: EventStore;
  accountData: AccountDataStore;
  aliases: RoomAliasStore;
  /** Records the server name on first start and refuses to run under another one afterwards. */
  checkServerName(serverName: string): Promise<void>;
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
    async checkServerName(serverName: string) {
      const stored = await meta.get('server_name');
      if (stored === undefined) {
        await meta.set('server_name', serverName);
        return;
      }
      if (stored !== serverName) {
        throw new Error(
          `This database belongs to server_name "${stored}", but the config says "${serverName}". ` +
          'User and room ids embed the server name, so it cannot change; set server_name back, or point database.path at a new file.',
        );
      }
    },
  };
}
