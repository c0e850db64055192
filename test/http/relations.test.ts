import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

const V1 = (roomId: string) => `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}`;

describe('relations, aggregations and threads', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;
  let txn = 0;

  const send = async (user: TestUser, content: Record<string, unknown>, type = 'm.room.message') => {
    txn += 1;
    const response = await api<{ event_id: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/${type}/rel-${txn}`, { token: user.token, body: content });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.event_id;
  };
  const getEvent = async (user: TestUser, eventId: string) =>
    (await api<Record<string, any>>(server.baseUrl, 'GET', `${room(roomId)}/event/${encodeURIComponent(eventId)}`, { token: user.token })).body;

  before(async () => {
    server = await TestServer.start();
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
  });
  after(async () => server.dispose());

  it('edit is bundled as m.replace', async () => {
    const original = await sendText(server, alice, roomId, 'I like cake');
    const editContent = (body: string) => ({
      msgtype: 'm.text', body: `* ${body}`, 'm.new_content': { msgtype: 'm.text', body }, 'm.relates_to': { rel_type: 'm.replace', event_id: original },
    });
    await send(alice, editContent('I like chocolate cake'));
    const latest = await send(alice, editContent('I like all cake'));
    await send(bob, editContent('bob cannot edit this'));

    const event = await getEvent(bob, original);
    assert.equal(event.content.body, 'I like cake', 'the original content stays');
    assert.equal(event.unsigned['m.relations']['m.replace'].event_id, latest);
    assert.equal(event.unsigned['m.relations']['m.replace'].content['m.new_content'].body, 'I like all cake');
  });

  it('invalid edits are not bundled', async () => {
    const original = await sendText(server, alice, roomId, 'original text');
    const replace = (eventId: string) => ({ 'm.relates_to': { rel_type: 'm.replace', event_id: eventId } });
    const newContent = (body: string) => ({ msgtype: 'm.text', body: `* ${body}`, 'm.new_content': { msgtype: 'm.text', body } });
    await send(alice, { ...newContent('other type'), ...replace(original) }, 'org.example.not_a_message');
    const stateEdit = await api(server.baseUrl, 'PUT', `${room(roomId)}/state/m.room.message/edit-as-state`, { token: alice.token, body: { ...newContent('state'), ...replace(original) } });
    assert.equal(stateEdit.status, 200);
    const elsewhere = await createRoom(server, alice);
    const foreignEdit = await api(server.baseUrl, 'PUT', `${room(elsewhere)}/send/m.room.message/edit-elsewhere`, { token: alice.token, body: { ...newContent('other room'), ...replace(original) } });
    assert.equal(foreignEdit.status, 200);
    const unedited = await getEvent(alice, original);
    assert.equal(unedited.unsigned?.['m.relations']?.['m.replace'], undefined, 'an edit of another type, with a state key or in another room is invalid');

    const edit = await send(alice, { ...newContent('valid'), ...replace(original) });
    await send(alice, { ...newContent('edit of an edit'), ...replace(edit) });
    assert.equal((await getEvent(alice, original)).unsigned['m.relations']['m.replace'].event_id, edit);
    const editEvent = await getEvent(alice, edit);
    assert.equal(editEvent.unsigned?.['m.relations']?.['m.replace'], undefined, 'a replacement cannot itself be replaced');
  });

  it('reactions are not bundled', async () => {
    const target = await sendText(server, alice, roomId, 'react to me');
    const reaction = await send(bob, { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key: '👍' } }, 'm.reaction');
    const event = await getEvent(alice, target);
    assert.equal(event.unsigned['m.relations'], undefined);

    const listed = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(target)}/m.annotation/m.reaction`, { token: alice.token });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.chunk.map((e) => e.event_id), [reaction]);
  });

  it('duplicate reaction is M_DUPLICATE_ANNOTATION', async () => {
    const target = await sendText(server, alice, roomId, 'react twice');
    const react = (txnId: string, key: string) => api<{ event_id?: string; errcode?: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/m.reaction/${txnId}`, {
      token: bob.token, body: { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key } },
    });
    const first = await react('dup-1', '👍');
    assert.equal(first.status, 200);

    const retried = await react('dup-1', '👍');
    assert.equal(retried.status, 200, 'a retried transaction is not a duplicate');
    assert.equal(retried.body.event_id, first.body.event_id);

    const duplicate = await react('dup-2', '👍');
    assert.equal(duplicate.status, 400);
    assert.equal(duplicate.body.errcode, 'M_DUPLICATE_ANNOTATION');

    assert.equal((await react('dup-3', '🎉')).status, 200, 'another key is fine');
    const fromAlice = await api(server.baseUrl, 'PUT', `${room(roomId)}/send/m.reaction/dup-4`, {
      token: alice.token, body: { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key: '👍' } },
    });
    assert.equal(fromAlice.status, 200, 'another sender is fine');

    const redaction = await api(server.baseUrl, 'PUT', `${room(roomId)}/redact/${encodeURIComponent(first.body.event_id ?? '')}/dup-redact`, { token: bob.token, body: {} });
    assert.equal(redaction.status, 200);
    assert.equal((await react('dup-5', '👍')).status, 200, 'the key is free again after a redaction');
  });

  it('thread summary is bundled on the root', async () => {
    const rootId = await sendText(server, alice, roomId, 'thread root');
    const reply = (body: string) => ({ msgtype: 'm.text', body, 'm.relates_to': { rel_type: 'm.thread', event_id: rootId, is_falling_back: true, 'm.in_reply_to': { event_id: rootId } } });
    await send(bob, reply('first reply'));
    const last = await send(bob, reply('second reply'));

    const forAlice = await getEvent(alice, rootId);
    const thread = forAlice.unsigned['m.relations']['m.thread'];
    assert.equal(thread.count, 2);
    assert.equal(thread.latest_event.event_id, last);
    assert.equal(thread.latest_event.content.body, 'second reply');
    assert.equal(thread.current_user_participated, true, 'alice started the thread');

    const start = await sync(server, bob);
    const inSync = start.rooms.join[roomId]?.timeline.events.find((event) => event.event_id === rootId);
    assert.equal(inSync?.unsigned?.['m.relations']?.['m.thread']?.count, 2);
  });

  it('relations paginate in both directions', async () => {
    const parent = await sendText(server, alice, roomId, 'many children');
    const children: string[] = [];
    for (let i = 0; i < 5; i += 1) children.push(await send(bob, { body: `ref ${i}`, msgtype: 'm.text', 'm.relates_to': { rel_type: 'm.reference', event_id: parent } }));
    const path = `${V1(roomId)}/relations/${encodeURIComponent(parent)}`;

    const first = await api<{ chunk: Array<Record<string, any>>; next_batch?: string }>(server.baseUrl, 'GET', `${path}?limit=2`, { token: alice.token });
    assert.deepEqual(first.body.chunk.map((e) => e.event_id), [children[4], children[3]]);
    assert.ok(first.body.next_batch);
    const second = await api<{ chunk: Array<Record<string, any>>; next_batch?: string }>(server.baseUrl, 'GET', `${path}?limit=2&from=${first.body.next_batch}`, { token: alice.token });
    assert.deepEqual(second.body.chunk.map((e) => e.event_id), [children[2], children[1]]);

    const forward = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${path}/m.reference?dir=f&limit=3`, { token: alice.token });
    assert.deepEqual(forward.body.chunk.map((e) => e.event_id), children.slice(0, 3));

    const bundled = await getEvent(alice, parent);
    assert.deepEqual(bundled.unsigned['m.relations']['m.reference'].chunk.map((entry: { event_id: string }) => entry.event_id), children);
  });

  it('recurse includes indirect relations', async () => {
    const parent = await sendText(server, alice, roomId, 'recurse parent');
    const child = await send(bob, { body: 'child', msgtype: 'm.text', 'm.relates_to': { rel_type: 'm.reference', event_id: parent } });
    const grandchild = await send(alice, { 'm.relates_to': { rel_type: 'm.annotation', event_id: child, key: 'x' } }, 'm.reaction');
    const flat = await api<{ chunk: Array<Record<string, any>>; recursion_depth?: number }>(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(parent)}`, { token: alice.token });
    assert.deepEqual(flat.body.chunk.map((e) => e.event_id), [child]);
    assert.equal(flat.body.recursion_depth, undefined);
    const deep = await api<{ chunk: Array<Record<string, any>>; recursion_depth?: number }>(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(parent)}?recurse=true`, { token: alice.token });
    assert.deepEqual(deep.body.chunk.map((e) => e.event_id), [grandchild, child]);
    assert.equal(deep.body.recursion_depth, 3);
  });

  it('thread list orders by activity', async () => {
    const threaded = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(threaded)}/join`, { token: bob.token });
    const older = await sendText(server, alice, threaded, 'older root');
    const newer = await sendText(server, bob, threaded, 'newer root');
    const replyTo = async (user: TestUser, rootId: string) => {
      txn += 1;
      await api(server.baseUrl, 'PUT', `${room(threaded)}/send/m.room.message/thread-${txn}`, {
        token: user.token, body: { msgtype: 'm.text', body: 'reply', 'm.relates_to': { rel_type: 'm.thread', event_id: rootId } },
      });
    };
    await replyTo(bob, newer);
    await replyTo(bob, older);

    const all = await api<{ chunk: Array<Record<string, any>>; next_batch?: string }>(server.baseUrl, 'GET', `${V1(threaded)}/threads?limit=1`, { token: alice.token });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.chunk.map((e) => e.event_id), [older]);
    assert.equal(all.body.chunk[0]?.unsigned['m.relations']['m.thread'].count, 1);
    const next = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${V1(threaded)}/threads?limit=1&from=${all.body.next_batch}`, { token: alice.token });
    assert.deepEqual(next.body.chunk.map((e) => e.event_id), [newer]);

    const participated = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${V1(threaded)}/threads?include=participated`, { token: alice.token });
    assert.deepEqual(participated.body.chunk.map((e) => e.event_id), [older]);
  });

  it('versions advertise relation recursion', async () => {
    // matrix-js-sdk's fetchRelations sends the stable `recurse` parameter once the server lists
    // v1.10, but `org.matrix.msc3981.recurse`, which this server ignores, under the unstable flag.
    const versions = await api<{ versions: string[]; unstable_features: Record<string, boolean> }>(server.baseUrl, 'GET', '/_matrix/client/versions');
    assert.ok(versions.body.versions.includes('v1.10'));
    assert.equal(versions.body.unstable_features['org.matrix.msc3981'], undefined);
  });

  it('relation errors use spec codes', async () => {
    const parent = await sendText(server, alice, roomId, 'private parent');
    const outsider = await api(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(parent)}`, { token: carol.token });
    assert.equal(outsider.status, 403);
    const missing = await api(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent('$nope')}`, { token: alice.token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errcode, 'M_NOT_FOUND');
    const badToken = await api(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(parent)}?from=zzz`, { token: alice.token });
    assert.equal(badToken.status, 400);
    assert.equal(badToken.body.errcode, 'M_INVALID_PARAM');
    const badDir = await api(server.baseUrl, 'GET', `${V1(roomId)}/relations/${encodeURIComponent(parent)}?dir=sideways`, { token: alice.token });
    assert.equal(badDir.status, 400);
    const badInclude = await api(server.baseUrl, 'GET', `${V1(roomId)}/threads?include=some`, { token: alice.token });
    assert.equal(badInclude.status, 400);
  });
});
