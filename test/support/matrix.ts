import { api, passwordLogin } from './client.js';
import { registerUser, type TestServer } from './server.js';

export interface TestUser {
  userId: string;
  token: string;
  deviceId: string;
}

/** Registers a local account and logs it in. */
export async function createUser(server: TestServer, localpart: string): Promise<TestUser> {
  const password = `${localpart}-password`;
  await registerUser(server, localpart, password);
  return passwordLogin(server.baseUrl, localpart, password);
}

export const room = (roomId: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;

let txnCounter = 0;

/** Sends an m.text message and returns its event id; throws on any error status. */
export async function sendText(server: TestServer, user: TestUser, roomId: string, body: string): Promise<string> {
  txnCounter += 1;
  const response = await api<{ event_id: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/txn-${Date.now()}-${txnCounter}`, {
    token: user.token, body: { msgtype: 'm.text', body },
  });
  if (response.status !== 200) throw new Error(`send failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.event_id;
}

export async function createRoom(server: TestServer, user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const response = await api<{ room_id: string }>(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token: user.token, body });
  if (response.status !== 200) throw new Error(`createRoom failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.room_id;
}

export interface SyncBody {
  next_batch: string;
  rooms: {
    join: Record<string, { timeline: { events: Array<Record<string, any>>; limited: boolean; prev_batch: string }; state: { events: Array<Record<string, any>> }; account_data: { events: Array<Record<string, any>> }; summary: Record<string, unknown>; unread_notifications: Record<string, number> }>;
    invite: Record<string, { invite_state: { events: Array<Record<string, any>> } }>;
    leave: Record<string, { timeline: { events: Array<Record<string, any>> } }>;
  };
  account_data: { events: Array<Record<string, any>> };
}

export async function sync(server: TestServer, user: TestUser, query = ''): Promise<SyncBody> {
  const response = await api<SyncBody>(server.baseUrl, 'GET', `/_matrix/client/v3/sync${query ? `?${query}` : ''}`, { token: user.token });
  if (response.status !== 200) throw new Error(`sync failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
