import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientEvent, createClient, RoomEvent, SyncState, type MatrixClient, type MatrixEvent, type Room } from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';
import { CLIENT_ORIGIN, signInWithSdk, startSsoServer, type SdkCredentials } from '../identity/sso-support.js';

const CLIENT_URL = `${CLIENT_ORIGIN}/chat/#/login`;

/** Every response matrix-js-sdk receives is checked against the spec's OpenAPI definitions. */
const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;

type Credentials = SdkCredentials;

/** Signs in through Nextcloud as a web client would; the fragment of the client URL must survive. */
async function signIn(server: TestServer, user: { id: string; password: string }): Promise<Credentials> {
  const { credentials, finalUrl } = await signInWithSdk(server, user, { redirectUrl: CLIENT_URL, fetchFn: specFetch });
  assert.equal(finalUrl.hash, '#/login', 'the fragment stays after the query');
  return credentials;
}

async function startClient(server: TestServer, credentials: Credentials): Promise<MatrixClient> {
  const client = createClient({ baseUrl: server.baseUrl, fetchFn: specFetch, ...credentials });
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState, _previous: SyncState | null, data) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(data?.error ?? new Error('sync error'));
    });
  });
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true });
  await prepared;
  return client;
}

/** Resolves with the first timeline event in the room that matches. */
function waitForTimelineEvent(client: MatrixClient, roomId: string, matches: (event: MatrixEvent) => boolean, timeoutMs = 15_000): Promise<MatrixEvent> {
  const existing = client.getRoom(roomId)?.getLiveTimeline().getEvents().find(matches);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching event in ${roomId} within ${timeoutMs} ms`)), timeoutMs);
    const onEvent = (event: MatrixEvent, room: Room | undefined) => {
      if (room?.roomId !== roomId || !matches(event)) return;
      clearTimeout(timer);
      client.off(RoomEvent.Timeline, onEvent);
      resolve(event);
    };
    client.on(RoomEvent.Timeline, onEvent);
  });
}

function waitForInvite(client: MatrixClient, roomId: string, timeoutMs = 15_000): Promise<void> {
  if (client.getRoom(roomId)?.getMyMembership() === 'invite') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no invite to ${roomId} within ${timeoutMs} ms`)), timeoutMs);
    const check = (room: Room) => {
      if (room.roomId !== roomId || room.getMyMembership() !== 'invite') return;
      clearTimeout(timer);
      client.off(ClientEvent.Room, check);
      client.off(RoomEvent.MyMembership, check);
      resolve();
    };
    client.on(ClientEvent.Room, check);
    client.on(RoomEvent.MyMembership, check);
  });
}

const bodyIs = (text: string) => (event: MatrixEvent) => event.getType() === 'm.room.message' && event.getContent().body === text;

describe('two Nextcloud users chat through matrix-js-sdk', () => {
  let nextcloud: NextcloudEmulator;
  let server: TestServer;
  const clients: MatrixClient[] = [];
  let alice: Credentials;
  let bob: Credentials;
  let roomId: string;

  before(async () => {
    // matrix-js-sdk logs through loglevel, whose setLevel its exported type leaves out.
    (sdkLogger as unknown as { setLevel(level: string): void }).setLevel('warn');
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    nextcloud = await NextcloudEmulator.start();
    nextcloud.addUser({ id: 'alice', password: 'alice-password', displayName: 'Alice Example', email: 'alice@example.test' });
    nextcloud.addUser({ id: 'Bob Smith', password: 'bob-password', displayName: 'Bob Smith', email: null });
    server = await startSsoServer({ providers: [{ id: 'nextcloud', name: 'Nextcloud', emulator: nextcloud }] });
  });

  after(async () => {
    clients.forEach((client) => client.stopClient());
    await server?.dispose();
    await nextcloud?.stop();
  });

  it('both users sign in through Nextcloud', async () => {
    alice = await signIn(server, { id: 'alice', password: 'alice-password' });
    bob = await signIn(server, { id: 'Bob Smith', password: 'bob-password' });
    assert.equal(alice.userId, '@alice:localhost');
    assert.equal(bob.userId, '@bob=20smith:localhost');
  });

  it('alice invites bob and they exchange messages', async () => {
    const aliceClient = await startClient(server, alice);
    const bobClient = await startClient(server, bob);
    clients.push(aliceClient, bobClient);

    const created = await aliceClient.createRoom({ name: 'Team chat', invite: [bob.userId] });
    roomId = created.room_id;
    await waitForInvite(bobClient, roomId);
    await bobClient.joinRoom(roomId);

    await aliceClient.sendTextMessage(roomId, 'Hello Bob');
    const received = await waitForTimelineEvent(bobClient, roomId, bodyIs('Hello Bob'));
    assert.equal(received.getSender(), alice.userId);

    await bobClient.sendTextMessage(roomId, 'Hi Alice');
    const reply = await waitForTimelineEvent(aliceClient, roomId, bodyIs('Hi Alice'));
    assert.equal(reply.getSender(), bob.userId);

    const bobMember = aliceClient.getRoom(roomId)?.getMember(bob.userId);
    assert.equal(bobMember?.name, 'Bob Smith');
  });

  it('history survives a server restart', async () => {
    clients.forEach((client) => client.stopClient());
    clients.length = 0;
    await server.restart();

    const bobClient = await startClient(server, bob);
    clients.push(bobClient);
    const room = bobClient.getRoom(roomId);
    assert.ok(room, 'bob still sees the room after the restart');
    assert.equal(room.name, 'Team chat');
    const bodies = room.getLiveTimeline().getEvents().filter((event) => event.getType() === 'm.room.message').map((event) => event.getContent().body);
    assert.deepEqual(bodies, ['Hello Bob', 'Hi Alice']);

    await bobClient.sendTextMessage(roomId, 'Still here');
    const aliceClient = await startClient(server, alice);
    clients.push(aliceClient);
    await waitForTimelineEvent(aliceClient, roomId, bodyIs('Still here'));
  });

  it('every response matches the spec', async (t) => {
    await assertNoViolations(t, violations);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});
