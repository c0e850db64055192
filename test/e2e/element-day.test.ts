import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClientEvent, createClient, Direction, EventType, Method, MsgType, NotificationCountType, Preset, ReceiptType, RelationType, RoomEvent, SyncState,
  ThreadFilterType, Visibility, type MatrixClient, type MatrixEvent, type Room,
} from 'matrix-js-sdk';
import { logger as sdkLogger } from 'matrix-js-sdk/lib/logger.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { registerUser, TestServer } from '../support/server.js';

/** Every response matrix-js-sdk receives is checked against the spec's OpenAPI definitions. */
const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;

interface Credentials {
  userId: string;
  accessToken: string;
  deviceId: string;
}

async function logIn(server: TestServer, localpart: string): Promise<Credentials> {
  const password = `${localpart}-password`;
  await registerUser(server, localpart, password);
  const anonymous = createClient({ baseUrl: server.baseUrl, fetchFn: specFetch });
  const login = await anonymous.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password });
  anonymous.stopClient();
  return { userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id };
}

/** Starts a client with the options Element uses: lazy-loaded members, threads and timeline jumps. */
async function startClient(server: TestServer, credentials: Credentials): Promise<MatrixClient> {
  const client = createClient({ baseUrl: server.baseUrl, fetchFn: specFetch, timelineSupport: true, ...credentials });
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState, _previous: SyncState | null, data) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(data?.error ?? new Error('sync error'));
    });
  });
  await client.startClient({ initialSyncLimit: 20, lazyLoadMembers: true, threadSupport: true });
  await prepared;
  return client;
}

/** Resolves once `check` holds, looking again after every sync the client processes. */
function eventually<T>(client: MatrixClient, description: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const first = check();
  if (first) return Promise.resolve(first);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(ClientEvent.Sync, onSync);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`));
    }, timeoutMs);
    const onSync = () => {
      const result = check();
      if (!result) return;
      clearTimeout(timer);
      client.off(ClientEvent.Sync, onSync);
      resolve(result);
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

function timelineEvent(client: MatrixClient, roomId: string, matches: (event: MatrixEvent) => boolean): MatrixEvent | undefined {
  return client.getRoom(roomId)?.getLiveTimeline().getEvents().find(matches);
}

const bodyIs = (text: string) => (event: MatrixEvent) => event.getType() === 'm.room.message' && event.getContent().body === text;

describe('a working day in Element through matrix-js-sdk', () => {
  let server: TestServer;
  const clients: MatrixClient[] = [];
  let alice: MatrixClient;
  let bob: MatrixClient;
  let aliceId: string;
  let bobId: string;
  let roomId: string;
  let morningId: string;

  before(async () => {
    (sdkLogger as unknown as { setLevel(level: string): void }).setLevel('warn');
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    server = await TestServer.start({
      config: { turn: { uris: ['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349?transport=tcp'], shared_secret: 'element-day-secret' } },
    });
    const [aliceCredentials, bobCredentials] = [await logIn(server, 'alice'), await logIn(server, 'bob')];
    aliceId = aliceCredentials.userId;
    bobId = bobCredentials.userId;
    await logIn(server, 'carol');
    alice = await startClient(server, aliceCredentials);
    bob = await startClient(server, bobCredentials);
    clients.push(alice, bob);
    await alice.setDisplayName('Alice Liddell');
  });

  after(async () => {
    clients.forEach((client) => client.stopClient());
    await server?.dispose();
  });

  it('start-up calls answer', async () => {
    const turn = await alice.turnServer();
    assert.equal(turn.uris.length, 2);
    assert.match(turn.username, new RegExp(`^\\d+:${aliceId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.deepEqual(await alice.getThirdpartyProtocols(), {});
    assert.deepEqual((await alice.getThreePids()).threepids, []);
  });

  it('alice publishes a room and bob finds it', async () => {
    const created = await alice.createRoom({ name: 'Daily standup', topic: 'What we do today', room_alias_name: 'standup', preset: Preset.PublicChat });
    roomId = created.room_id;
    assert.equal((await alice.getRoomDirectoryVisibility(roomId)).visibility, Visibility.Private);
    await alice.setRoomDirectoryVisibility(roomId, Visibility.Public);
    assert.equal((await alice.getRoomDirectoryVisibility(roomId)).visibility, Visibility.Public);

    const listed = await bob.publicRooms({ filter: { generic_search_term: 'standup' } });
    assert.deepEqual(listed.chunk.map((entry) => entry.room_id), [roomId]);
    assert.equal(listed.chunk[0]?.canonical_alias, '#standup:localhost');
    await bob.joinRoom('#standup:localhost');
    await eventually(alice, 'bob in the member list', () => alice.getRoom(roomId)?.getMember(bobId)?.membership === 'join');
  });

  it('bob searches the user directory', async () => {
    const byName = await bob.searchUserDirectory({ term: 'liddell' });
    assert.deepEqual(byName.results.map((user) => user.user_id), [aliceId]);
    assert.equal(byName.results[0]?.display_name, 'Alice Liddell');
    // search_all_users is on by default, so a colleague who shares no room is found too.
    const colleague = await bob.searchUserDirectory({ term: 'carol' });
    assert.equal(colleague.results.length, 1, 'carol is found although she shares no room with bob');
  });

  it('typing shows and stops', async () => {
    await alice.sendTyping(roomId, true, 30_000);
    await eventually(bob, 'alice typing', () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === true);
    await alice.sendTyping(roomId, false, 0);
    await eventually(bob, 'alice stopped typing', () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === false);
  });

  it('read receipts clear unread counts', async () => {
    const sent = await alice.sendTextMessage(roomId, 'Good morning');
    morningId = sent.event_id;
    const event = await eventually(bob, 'the greeting', () => timelineEvent(bob, roomId, bodyIs('Good morning')));
    await eventually(bob, 'an unread count', () => (bob.getRoom(roomId)?.getUnreadNotificationCount(NotificationCountType.Total) ?? 0) > 0);

    await bob.sendReadReceipt(event, ReceiptType.Read, true);
    await eventually(alice, "bob's receipt", () => alice.getRoom(roomId)?.getEventReadUpTo(bobId) === morningId);
    await eventually(bob, 'a cleared count', () => bob.getRoom(roomId)?.getUnreadNotificationCount(NotificationCountType.Total) === 0);

    await bob.setRoomReadMarkers(roomId, morningId);
    await eventually(bob, 'the read marker', () => bob.getRoom(roomId)?.getAccountData('m.fully_read')?.getContent().event_id === morningId);
  });

  it('bob tags the room as favourite', async () => {
    await bob.setRoomTag(roomId, 'm.favourite', { order: 0.5 });
    await eventually(bob, 'the favourite tag', () => bob.getRoom(roomId)?.tags['m.favourite']?.order === 0.5);
    assert.deepEqual((await bob.getRoomTags(roomId)).tags, { 'm.favourite': { order: 0.5 } });
    await bob.deleteRoomTag(roomId, 'm.favourite');
    await eventually(bob, 'no favourite tag', () => bob.getRoom(roomId)?.tags['m.favourite'] === undefined);
  });

  it('alice edits a message', async () => {
    const original = await alice.sendTextMessage(roomId, 'Lunch at 12');
    const edit = await alice.sendEvent(roomId, EventType.RoomMessage, {
      msgtype: MsgType.Text, body: '* Lunch at 13',
      'm.new_content': { msgtype: MsgType.Text, body: 'Lunch at 13' },
      'm.relates_to': { rel_type: RelationType.Replace, event_id: original.event_id },
    });
    const edits = await bob.relations(roomId, original.event_id, RelationType.Replace);
    assert.deepEqual(edits.events.map((event) => event.getId()), [edit.event_id]);
    const fetched = await bob.fetchRoomEvent(roomId, original.event_id);
    const bundled = (fetched.unsigned as Record<string, any> | undefined)?.['m.relations']?.['m.replace'];
    assert.equal(bundled?.event_id, edit.event_id);
    await eventually(bob, 'the edited text', () => timelineEvent(bob, roomId, (event) => event.getId() === original.event_id)?.getContent().body === 'Lunch at 13');
  });

  it('bob reacts and replies in a thread', async () => {
    await bob.sendEvent(roomId, EventType.Reaction, { 'm.relates_to': { rel_type: RelationType.Annotation, event_id: morningId, key: '👋' } });
    const reactions = await alice.relations(roomId, morningId, RelationType.Annotation, EventType.Reaction);
    assert.deepEqual(reactions.events.map((event) => event.getContent()['m.relates_to']?.key), ['👋']);

    const reply = await bob.sendEvent(roomId, EventType.RoomMessage, {
      msgtype: MsgType.Text, body: 'Morning! Standup at 10?',
      // Element also sends the reply fallback, which the SDK's content type leaves out.
      'm.relates_to': { rel_type: RelationType.Thread, event_id: morningId, is_falling_back: true, 'm.in_reply_to': { event_id: morningId } } as { rel_type: RelationType.Thread; event_id: string },
    });
    const thread = await alice.relations(roomId, morningId, RelationType.Thread);
    assert.deepEqual(thread.events.map((event) => event.getId()), [reply.event_id]);

    const threads = await alice.createThreadListMessagesRequest(roomId, null, 20, Direction.Backward, ThreadFilterType.All);
    const root = threads.chunk.find((event) => event.event_id === morningId);
    const summary = (root?.unsigned as Record<string, any> | undefined)?.['m.relations']?.['m.thread'];
    assert.equal(summary?.count, 1);
    assert.equal(summary?.latest_event.event_id, reply.event_id);
    assert.equal(summary?.current_user_participated, true);
    const mine = await bob.createThreadListMessagesRequest(roomId, null, 20, Direction.Backward, ThreadFilterType.My);
    assert.ok(mine.chunk.some((event) => event.event_id === morningId));
  });

  it('alice jumps to an older message', async () => {
    const room = alice.getRoom(roomId) as Room;
    const timeline = await alice.getEventTimeline(room.getUnfilteredTimelineSet(), morningId);
    assert.ok(timeline, 'the context request returned a timeline');
    assert.ok(timeline.getEvents().some((event) => event.getId() === morningId));
  });

  it('presence reaches the other member', async () => {
    await alice.setPresence({ presence: 'unavailable', status_msg: 'In a meeting' });
    await eventually(bob, "alice's presence", () => {
      const user = bob.getUser(aliceId);
      return user?.presence === 'unavailable' && user.presenceStatusMsg === 'In a meeting';
    });
    const read = await bob.getPresence(aliceId);
    assert.equal(read.presence, 'unavailable');
    assert.equal(read.status_msg, 'In a meeting');
  });

  it('notifications list the thread reply', async () => {
    const response = await alice.http.authedRequest<{ notifications: Array<{ event: { event_id: string; content: { body?: string } }; read: boolean }> }>(Method.Get, '/notifications');
    const bodies = response.notifications.map((notification) => notification.event.content.body);
    assert.ok(bodies.includes('Morning! Standup at 10?'), `notifications: ${JSON.stringify(bodies)}`);
  });

  it('alice upgrades the room', async () => {
    const { replacement_room: replacement } = await alice.upgradeRoom(roomId, '12');
    await eventually(bob, 'the tombstone', () => bob.getRoom(roomId)?.currentState.getStateEvents('m.room.tombstone', '')?.getContent().replacement_room === replacement);
    const listed = await bob.publicRooms({ filter: { generic_search_term: 'standup' } });
    assert.deepEqual(listed.chunk.map((entry) => entry.room_id), [replacement]);
    await bob.joinRoom(replacement);
    await eventually(bob, 'the new room', () => bob.getRoom(replacement)?.getMyMembership() === 'join');
  });

  it('every response matches the spec', async (t) => {
    await assertNoViolations(t, violations);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});
