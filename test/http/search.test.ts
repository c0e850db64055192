// Server-side search (POST /search) over HTTP, with every 200 checked against the spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { assertNoViolations } from '../support/openapi.js';
import { TestServer } from '../support/server.js';
import { SpecClient } from '../support/spec-client.js';

type Json = Record<string, any>;

describe('server-side search', () => {
  let server: TestServer;
  let client: SpecClient;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let shared: string;
  let alicePrivate: string;
  let bobPrivate: string;

  const search = async (user: TestUser, criteria: Json, nextBatch?: string) => {
    const query = nextBatch === undefined ? '' : `?next_batch=${encodeURIComponent(nextBatch)}`;
    const response = await client.request<Json>('POST', `/_matrix/client/v3/search${query}`, { token: user.token, body: { search_categories: { room_events: criteria } } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.search_categories.room_events as Json;
  };
  const ids = (roomEvents: Json) => roomEvents.results.map((result: Json) => result.result.event_id as string);

  before(async () => {
    server = await TestServer.start();
    client = await SpecClient.create(server.baseUrl);
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    shared = await createRoom(server, alice, { name: 'Planning', topic: 'Martian colony logistics', invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(shared)}/join`, { token: bob.token });
    alicePrivate = await createRoom(server, alice, { name: 'Alice notes' });
    bobPrivate = await createRoom(server, bob, { name: 'Bob notes' });
  });
  after(async () => server.dispose());

  it('finds message bodies by word prefix', async () => {
    const hit = await sendText(server, alice, shared, 'The martians landed near the river');
    await sendText(server, bob, shared, 'Nothing to see here');
    const other = await sendText(server, bob, shared, 'MARTIANS again, shouting');

    const roomEvents = await search(alice, { search_term: 'martian', keys: ['content.body'], order_by: 'recent' });
    assert.deepEqual(ids(roomEvents), [other, hit]);
    assert.equal(roomEvents.count, 2);
    assert.ok(roomEvents.highlights.includes('martians'), JSON.stringify(roomEvents.highlights));
    assert.equal(roomEvents.results[0].result.room_id, shared);
    assert.equal(typeof roomEvents.results[0].rank, 'number');
    assert.equal(roomEvents.next_batch, undefined);
  });

  it('requires every word of the term', async () => {
    const both = await sendText(server, alice, shared, 'purple elephants dance');
    await sendText(server, alice, shared, 'purple rain');
    const roomEvents = await search(alice, { search_term: 'elephant purple' });
    assert.deepEqual(ids(roomEvents), [both]);
  });

  it('searches only rooms the user may see', async () => {
    const mine = await sendText(server, alice, alicePrivate, 'zebra crossing in my notes');
    await sendText(server, bob, bobPrivate, 'zebra crossing in bob notes');
    assert.deepEqual(ids(await search(alice, { search_term: 'zebra' })), [mine]);
    assert.deepEqual(ids(await search(carol, { search_term: 'zebra' })), []);
  });

  it('keeps history of a left room up to the leave', async () => {
    const left = await createRoom(server, bob, { preset: 'public_chat' });
    await api(server.baseUrl, 'POST', `${room(left)}/join`, { token: carol.token });
    const seen = await sendText(server, bob, left, 'walrus before carol left');
    await api(server.baseUrl, 'POST', `${room(left)}/leave`, { token: carol.token });
    await sendText(server, bob, left, 'walrus after carol left');
    assert.deepEqual(ids(await search(carol, { search_term: 'walrus' })), [seen]);
  });

  it('searches names and topics per keys', async () => {
    const byName = await search(alice, { search_term: 'planning', keys: ['content.name'] });
    assert.equal(byName.results.length, 1);
    assert.equal(byName.results[0].result.type, 'm.room.name');
    const byTopic = await search(alice, { search_term: 'logistics', keys: ['content.topic'] });
    assert.equal(byTopic.results.length, 1);
    assert.equal(byTopic.results[0].result.type, 'm.room.topic');
    assert.deepEqual(ids(await search(alice, { search_term: 'logistics', keys: ['content.body'] })), []);
  });

  it('applies the filter', async () => {
    const fromBob = await sendText(server, bob, shared, 'kiwi from bob');
    await sendText(server, alice, shared, 'kiwi from alice');
    await sendText(server, alice, alicePrivate, 'kiwi in private');
    assert.deepEqual(ids(await search(alice, { search_term: 'kiwi', filter: { senders: [bob.userId] } })), [fromBob]);
    const inShared = await search(alice, { search_term: 'kiwi', filter: { rooms: [shared] } });
    assert.equal(inShared.results.length, 2);
    assert.deepEqual(ids(await search(alice, { search_term: 'kiwi', filter: { not_types: ['m.room.message'] } })), []);
  });

  it('orders by rank, densest match first', async () => {
    const sparse = await sendText(server, alice, shared, 'one mango among many other words in this long sentence');
    const dense = await sendText(server, alice, shared, 'mango mango');
    assert.deepEqual(ids(await search(alice, { search_term: 'mango', order_by: 'rank' })), [dense, sparse]);
    assert.deepEqual(ids(await search(alice, { search_term: 'mango', order_by: 'recent' })), [dense, sparse]);
    const older = await sendText(server, alice, shared, 'mango mango');
    assert.deepEqual(ids(await search(alice, { search_term: 'mango', order_by: 'rank' })), [older, dense, sparse]);
  });

  for (const orderBy of ['recent', 'rank']) {
    it(`paginates with next_batch by ${orderBy}`, async () => {
      const sent: string[] = [];
      const word = `${orderBy}fruit`;
      for (let i = 0; i < 5; i += 1) sent.push(await sendText(server, bob, shared, `${word} number ${i}`));
      const criteria = { search_term: word, order_by: orderBy, filter: { limit: 2 } };
      const seen: string[] = [];
      let page = await search(alice, criteria);
      assert.equal(page.count, 5);
      seen.push(...ids(page));
      while (page.next_batch) {
        page = await search(alice, criteria, page.next_batch);
        seen.push(...ids(page));
      }
      assert.equal(seen.length, 5);
      assert.deepEqual([...seen].sort(), [...sent].sort());
      if (orderBy === 'recent') assert.deepEqual(seen, [...sent].reverse());
    });
  }

  it('returns context, profiles and state', async () => {
    const preceding = await sendText(server, alice, shared, 'context line zero');
    const first = await sendText(server, alice, shared, 'context line one');
    const target = await sendText(server, bob, shared, 'the quokka line');
    const third = await sendText(server, alice, shared, 'context line three');
    const roomEvents = await search(alice, {
      search_term: 'quokka', include_state: true, event_context: { before_limit: 1, after_limit: 1, include_profile: true },
    });
    const [result] = roomEvents.results;
    assert.equal(result.result.event_id, target);
    assert.deepEqual(result.context.events_before.map((event: Json) => event.event_id), [first]);
    assert.deepEqual(result.context.events_after.map((event: Json) => event.event_id), [third]);
    assert.match(result.context.start, /^s\d+$/);
    assert.match(result.context.end, /^s\d+$/);
    assert.equal(result.context.profile_info[bob.userId].displayname, 'bob');
    assert.equal(result.context.profile_info[alice.userId].displayname, 'alice');
    const state = roomEvents.state[shared] as Json[];
    assert.ok(state.some((event) => event.type === 'm.room.name' && event.content.name === 'Planning'));

    const messages = await api<Json>(server.baseUrl, 'GET', `${room(shared)}/messages?dir=b&limit=1&from=${result.context.start}`, { token: alice.token });
    assert.deepEqual(messages.body.chunk.map((event: Json) => event.event_id), [preceding], 'start continues /messages before the context');
  });

  it('groups results by room and sender', async () => {
    const inShared = await sendText(server, bob, shared, 'lychee shared');
    const inPrivate = await sendText(server, alice, alicePrivate, 'lychee private');
    const roomEvents = await search(alice, { search_term: 'lychee', order_by: 'recent', groupings: { group_by: [{ key: 'room_id' }, { key: 'sender' }] } });
    assert.deepEqual(roomEvents.groups.room_id[alicePrivate], { results: [inPrivate], order: 1 });
    assert.deepEqual(roomEvents.groups.room_id[shared], { results: [inShared], order: 2 });
    assert.deepEqual(roomEvents.groups.sender[bob.userId].results, [inShared]);
    assert.deepEqual(roomEvents.groups.sender[alice.userId].results, [inPrivate]);
  });

  it('leaves out redacted events', async () => {
    const redacted = await sendText(server, alice, shared, 'platypus secret');
    await api(server.baseUrl, 'PUT', `${room(shared)}/redact/${encodeURIComponent(redacted)}/search-redact`, { token: alice.token, body: {} });
    assert.deepEqual(ids(await search(alice, { search_term: 'platypus' })), []);
  });

  it('ignores punctuation in the term', async () => {
    await sendText(server, alice, shared, 'a percent 100% sign and "quoted" words');
    assert.equal((await search(alice, { search_term: '"quoted"' })).results.length, 1);
    assert.equal((await search(alice, { search_term: '100%' })).results.length, 1);
  });

  it('rejects bad requests with 400', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['an empty term', { search_categories: { room_events: { search_term: '' } } }, 'M_INVALID_PARAM'],
      ['a term of punctuation', { search_categories: { room_events: { search_term: '?!' } } }, 'M_INVALID_PARAM'],
      ['no term', { search_categories: { room_events: {} } }, 'M_BAD_JSON'],
      ['a term of 21 words', { search_categories: { room_events: { search_term: Array.from({ length: 21 }, (_, i) => `w${i}`).join(' ') } } }, 'M_INVALID_PARAM'],
      ['an unknown category', { search_categories: { room_events: { search_term: 'x' }, people: {} } }, 'M_BAD_JSON'],
      ['no room_events', { search_categories: {} }, 'M_BAD_JSON'],
      ['no categories', {}, 'M_BAD_JSON'],
      ['an unknown key', { search_categories: { room_events: { search_term: 'x', keys: ['content.url'] } } }, 'M_BAD_JSON'],
      ['an unknown order', { search_categories: { room_events: { search_term: 'x', order_by: 'oldest' } } }, 'M_BAD_JSON'],
      ['a bad filter', { search_categories: { room_events: { search_term: 'x', filter: { senders: 'bob' } } } }, 'M_BAD_JSON'],
      ['a negative context', { search_categories: { room_events: { search_term: 'x', event_context: { before_limit: -1 } } } }, 'M_BAD_JSON'],
      ['a bad grouping', { search_categories: { room_events: { search_term: 'x', groupings: { group_by: [{ key: 'type' }] } } } }, 'M_BAD_JSON'],
      ['room_events not an object', { search_categories: { room_events: 'x' } }, 'M_BAD_JSON'],
    ];
    for (const [what, body, errcode] of cases) {
      const response = await client.request<Json>('POST', '/_matrix/client/v3/search', { token: alice.token, body });
      assert.equal(response.status, 400, `${what}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.errcode, errcode, what);
    }
    const badToken = await client.request<Json>('POST', '/_matrix/client/v3/search?next_batch=nonsense', { token: alice.token, body: { search_categories: { room_events: { search_term: 'x' } } } });
    assert.equal(badToken.status, 400);
    assert.equal(badToken.body.errcode, 'M_INVALID_PARAM');
    const rankTokenForRecent = await client.request<Json>('POST', '/_matrix/client/v3/search?next_batch=k2', { token: alice.token, body: { search_categories: { room_events: { search_term: 'x', order_by: 'recent' } } } });
    assert.equal(rankTokenForRecent.status, 400);
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, client.violations);
  });
});
