// The end-to-end encryption endpoints over HTTP, with keys made and signed here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedBytes } from '../../src/core/json-signing.js';
import { generateSigningKey, signBytes, type SigningKey } from '../../src/core/signing-key.js';
import { passwordLogin } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';

const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;
let server: TestServer;

type Json = Record<string, any>;

/** Calls the server through the spec-validating fetch and returns status and JSON body. */
async function call(method: string, path: string, user: TestUser | undefined, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${user.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await specFetch(`${server.baseUrl}/_matrix/client/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

/**
 * Sends a request that the server must refuse with a status the spec does not list for the
 * endpoint (the common error codes apply to every endpoint), so it bypasses the validator and
 * checks the standard error body, or the user-interactive auth body, itself.
 */
async function rejected(method: string, path: string, user: TestUser, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.baseUrl}/_matrix/client/v3${path}`, {
    method, headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const parsed = (await response.json()) as Json;
  const standardError = typeof parsed.errcode === 'string' && typeof parsed.error === 'string';
  const uiaChallenge = Array.isArray(parsed.flows) && typeof parsed.session === 'string';
  assert.ok(standardError || uiaChallenge, `not an error body: ${JSON.stringify(parsed)}`);
  return { status: response.status, body: parsed };
}

/** Adds `signer`'s signature under `keyId` to a copy of the object, keeping its other signatures. */
function sign<T extends Json>(object: T, userId: string, keyId: string, signer: SigningKey): T {
  const signatures = { ...(object.signatures ?? {}) };
  signatures[userId] = { ...(signatures[userId] ?? {}), [keyId]: signBytes(signer, signedBytes(object)) };
  return { ...object, signatures };
}

/** A device's identity key and the key objects it signs. */
class FakeDevice {
  readonly ed25519 = generateSigningKey();
  readonly curve25519 = generateSigningKey().publicKey;
  constructor(readonly user: TestUser) {}

  deviceKeys(overrides: Json = {}): Json {
    const { userId, deviceId } = this.user;
    const unsigned = {
      user_id: userId, device_id: deviceId, algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
      keys: { [`curve25519:${deviceId}`]: this.curve25519, [`ed25519:${deviceId}`]: this.ed25519.publicKey },
      ...overrides,
    };
    return sign(unsigned, userId, `ed25519:${deviceId}`, this.ed25519);
  }

  oneTimeKeys(ids: string[], extra: Json = {}): Json {
    return Object.fromEntries(ids.map((id) => [`signed_curve25519:${id}`, this.signKey({ key: generateSigningKey().publicKey, ...extra })]));
  }

  signKey(key: Json): Json {
    return sign(key, this.user.userId, `ed25519:${this.user.deviceId}`, this.ed25519);
  }
}

function crossSigningKey(userId: string, usage: string, key: SigningKey, signedBy?: SigningKey): Json {
  const object = { user_id: userId, usage: [usage], keys: { [`ed25519:${key.publicKey}`]: key.publicKey } };
  return signedBy ? sign(object, userId, `ed25519:${signedBy.publicKey}`, signedBy) : object;
}

async function syncOnce(user: TestUser, since?: string, timeout = 0): Promise<Json> {
  const query = new URLSearchParams({ timeout: String(timeout), ...(since ? { since } : {}) });
  const response = await call('GET', `/sync?${query}`, user);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

before(async () => {
  specFetch = validatingFetch(await loadSpecValidator(), violations);
  server = await TestServer.start();
});

after(async () => {
  await server?.dispose();
});

describe('key upload, query and claim', () => {
  let alice: TestUser;
  let device: FakeDevice;

  before(async () => {
    alice = await createUser(server, 'alice');
    device = new FakeDevice(alice);
  });

  it('rejects keys for another user or device, and bad signatures, storing nothing', async () => {
    const other = { ...alice, userId: '@mallory:localhost' };
    const cases: Array<[string, Json, number, string]> = [
      ['another user', { device_keys: new FakeDevice(other).deviceKeys() }, 400, 'M_BAD_JSON'],
      ['another device', { device_keys: new FakeDevice({ ...alice, deviceId: 'OTHERDEVICE' }).deviceKeys() }, 400, 'M_BAD_JSON'],
      ['a key named for another device', { device_keys: device.deviceKeys({ keys: { [`ed25519:${alice.deviceId}`]: device.ed25519.publicKey, 'curve25519:OTHER': 'abc' } }) }, 400, 'M_BAD_JSON'],
      ['a wrong signature', { device_keys: { ...device.deviceKeys(), algorithms: ['m.megolm.v1.aes-sha2'] } }, 400, 'M_INVALID_SIGNATURE'],
      ['no signature', { device_keys: { ...device.deviceKeys(), signatures: {} } }, 400, 'M_INVALID_SIGNATURE'],
      ['a signature by another key', { device_keys: sign({ ...device.deviceKeys(), signatures: {} }, alice.userId, `ed25519:${alice.deviceId}`, generateSigningKey()) }, 400, 'M_INVALID_SIGNATURE'],
      ['device_keys that is not an object', { device_keys: 'not keys' }, 400, 'M_BAD_JSON'],
      ['device_keys without keys', { device_keys: { user_id: alice.userId, device_id: alice.deviceId, algorithms: [], signatures: {} } }, 400, 'M_BAD_JSON'],
      ['a one-time key name without algorithm', { device_keys: device.deviceKeys(), one_time_keys: { AAAA: device.signKey({ key: 'x' }) } }, 400, 'M_BAD_JSON'],
      ['a wrongly signed one-time key', { device_keys: device.deviceKeys(), one_time_keys: { 'signed_curve25519:AAAA': { ...device.signKey({ key: 'x' }), key: 'y' } } }, 400, 'M_INVALID_SIGNATURE'],
      ['a wrongly signed fallback key', { device_keys: device.deviceKeys(), fallback_keys: { 'signed_curve25519:FB': { ...device.signKey({ key: 'x', fallback: true }), key: 'y' } } }, 400, 'M_INVALID_SIGNATURE'],
    ];
    for (const [what, body, status, errcode] of cases) {
      const response = await rejected('POST', '/keys/upload', alice, body);
      assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.errcode, errcode, what);
    }
    const query = await call('POST', '/keys/query', alice, { device_keys: { [alice.userId]: [] } });
    assert.deepEqual(query.body.device_keys[alice.userId], {}, 'no rejected key was stored');
    const sync = await syncOnce(alice);
    assert.deepEqual(sync.device_one_time_keys_count, { signed_curve25519: 0 });
    assert.deepEqual(sync.device_unused_fallback_key_types, []);
  });

  it('stores device, one-time and fallback keys and counts them exactly', async () => {
    const upload = await call('POST', '/keys/upload', alice, {
      device_keys: device.deviceKeys(),
      one_time_keys: device.oneTimeKeys(['AAAA', 'AAAB', 'AAAC']),
      fallback_keys: { 'signed_curve25519:FB1': device.signKey({ key: generateSigningKey().publicKey, fallback: true }) },
    });
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    assert.deepEqual(upload.body, { one_time_key_counts: { signed_curve25519: 3 } });

    const again = await call('POST', '/keys/upload', alice, { one_time_keys: device.oneTimeKeys(['AAAD']) });
    assert.deepEqual(again.body, { one_time_key_counts: { signed_curve25519: 4 } });
    const sync = await syncOnce(alice);
    assert.deepEqual(sync.device_one_time_keys_count, { signed_curve25519: 4 });
    assert.deepEqual(sync.device_unused_fallback_key_types, ['signed_curve25519']);
  });

  it('refuses a used one-time key id with a different key', async () => {
    const response = await rejected('POST', '/keys/upload', alice, { one_time_keys: device.oneTimeKeys(['AAAA']) });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('returns device keys with the display name, and the caller\'s own devices', async () => {
    assert.equal((await call('PUT', `/devices/${alice.deviceId}`, alice, { display_name: 'Alice laptop' })).status, 200);
    const devices = await call('GET', '/devices', alice);
    assert.deepEqual(devices.body.devices.map((d: Json) => [d.device_id, d.display_name]), [[alice.deviceId, 'Alice laptop']]);
    assert.equal((await call('GET', '/devices/NOSUCHDEVICE', alice)).status, 404);

    const bob = await createUser(server, 'bob');
    const response = await call('POST', '/keys/query', bob, { device_keys: { [alice.userId]: [], '@nobody:localhost': [] } });
    assert.equal(response.status, 200);
    const keys = response.body.device_keys[alice.userId][alice.deviceId];
    assert.deepEqual(keys.unsigned, { device_display_name: 'Alice laptop' });
    assert.deepEqual(keys.keys, device.deviceKeys().keys);
    assert.deepEqual(keys.signatures, device.deviceKeys().signatures);
    assert.ok(bob.userId in response.body.device_keys, 'the caller\'s own devices are included');
    assert.deepEqual(response.body.device_keys['@nobody:localhost'], {});
  });

  it('claims each one-time key once, oldest first, then the fallback key again and again', async () => {
    const bob = await passwordLogin(server.baseUrl, 'bob', 'bob-password');
    const claimed: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await call('POST', '/keys/claim', bob, { one_time_keys: { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } } });
      assert.equal(response.status, 200);
      claimed.push(...Object.keys(response.body.one_time_keys[alice.userId][alice.deviceId]));
    }
    assert.deepEqual(claimed.slice(0, 3).sort(), ['signed_curve25519:AAAA', 'signed_curve25519:AAAB', 'signed_curve25519:AAAC']);
    assert.deepEqual(claimed.slice(3), ['signed_curve25519:AAAD', 'signed_curve25519:FB1', 'signed_curve25519:FB1']);

    const sync = await syncOnce(alice);
    assert.deepEqual(sync.device_one_time_keys_count, { signed_curve25519: 0 });
    assert.deepEqual(sync.device_unused_fallback_key_types, [], 'the fallback key is reported used');

    const replaced = await call('POST', '/keys/upload', alice, { fallback_keys: { 'signed_curve25519:FB2': device.signKey({ key: 'new', fallback: true }) } });
    assert.equal(replaced.status, 200);
    assert.deepEqual((await syncOnce(alice)).device_unused_fallback_key_types, ['signed_curve25519']);
    const unknown = await call('POST', '/keys/claim', bob, { one_time_keys: { [alice.userId]: { NOSUCHDEVICE: 'signed_curve25519' } } });
    assert.deepEqual(unknown.body.one_time_keys, {});
  });
});

describe('device lists and to-device messages', () => {
  let carol: TestUser;
  let dave: TestUser;
  let roomId: string;

  before(async () => {
    carol = await createUser(server, 'carol');
    dave = await createUser(server, 'dave');
    roomId = await createRoom(server, carol, { invite: [dave.userId] });
    assert.equal((await call('POST', `${room(roomId).replace('/_matrix/client/v3', '')}/join`, dave, {})).status, 200);
  });

  it('wakes a long-polling sync of a room member when keys change, and lists the user', async () => {
    const start = await syncOnce(carol);
    const pending = syncOnce(carol, start.next_batch, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await call('POST', '/keys/upload', dave, { device_keys: new FakeDevice(dave).deviceKeys() });
    const woken = await pending;
    assert.ok(Date.now() - started < 5_000, 'the sync returned at once');
    assert.deepEqual(woken.device_lists, { changed: [dave.userId], left: [] });

    const changes = await call('GET', `/keys/changes?from=${start.next_batch}&to=${woken.next_batch}`, carol);
    assert.deepEqual(changes.body, { changed: [dave.userId], left: [] });
  });

  it('lists a new device and a deleted one, and a user who left', async () => {
    let token = (await syncOnce(carol)).next_batch;
    const second = await passwordLogin(server.baseUrl, 'dave', 'dave-password');
    let sync = await syncOnce(carol, token, 5_000);
    assert.deepEqual(sync.device_lists.changed, [dave.userId], 'a new device shows at once');
    token = sync.next_batch;

    const first = await call('DELETE', `/devices/${second.deviceId}`, dave);
    assert.equal(first.status, 401);
    assert.deepEqual(first.body.flows, [{ stages: ['m.login.password'] }]);
    const wrong = await call('DELETE', `/devices/${second.deviceId}`, dave, {
      auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'dave' }, password: 'wrong', session: first.body.session },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
    const deleted = await call('DELETE', `/devices/${second.deviceId}`, dave, {
      auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'dave' }, password: 'dave-password', session: wrong.body.session },
    });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    sync = await syncOnce(carol, token, 5_000);
    assert.deepEqual(sync.device_lists.changed, [dave.userId], 'a deleted device shows at once');
    token = sync.next_batch;

    await call('POST', `${room(roomId).replace('/_matrix/client/v3', '')}/leave`, dave, {});
    sync = await syncOnce(carol, token, 5_000);
    assert.deepEqual(sync.device_lists.left, [dave.userId]);
  });

  it('drops the keys of a device that logs out, and tells room members', async () => {
    const login = await passwordLogin(server.baseUrl, 'carol', 'carol-password');
    const device = { userId: login.userId, token: login.token, deviceId: login.deviceId };
    assert.equal((await call('POST', '/keys/upload', device, { device_keys: new FakeDevice(device).deviceKeys() })).status, 200);
    const token = (await syncOnce(dave)).next_batch;
    assert.equal((await call('POST', '/logout', device, {})).status, 200);
    const query = await call('POST', '/keys/query', carol, { device_keys: { [carol.userId]: [login.deviceId] } });
    assert.deepEqual(query.body.device_keys[carol.userId], {});
    // Dave left the shared room in the test before, so carol's change reaches only carol herself.
    const own = await syncOnce(carol, token, 5_000);
    assert.ok(own.device_lists.changed.includes(carol.userId));
  });

  it('delivers to-device messages until the next sync acknowledges them, once per transaction id', async () => {
    const carolSecond = await passwordLogin(server.baseUrl, 'carol', 'carol-password');
    const start = await syncOnce(carol);
    const pending = syncOnce(carol, start.next_batch, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const body = { messages: { [carol.userId]: { [carol.deviceId]: { hello: 'one' }, NOSUCHDEVICE: { hello: 'lost' } } } };
    assert.equal((await call('PUT', '/sendToDevice/m.test/txn1', dave, body)).status, 200);
    assert.equal((await call('PUT', '/sendToDevice/m.test/txn1', dave, body)).status, 200);
    assert.equal((await call('PUT', '/sendToDevice/m.test/txn2', dave, { messages: { [carol.userId]: { '*': { hello: 'all' } } } })).status, 200);

    const first = await pending;
    const events = (sync: Json) => sync.to_device.events.map((event: Json) => [event.sender, event.type, event.content.hello]);
    let sync = first;
    if (events(sync).length < 2) sync = await syncOnce(carol, start.next_batch);
    assert.deepEqual(events(sync), [[dave.userId, 'm.test', 'one'], [dave.userId, 'm.test', 'all']]);
    const repeated = await syncOnce(carol, start.next_batch);
    assert.deepEqual(events(repeated), events(sync), 'a sync from the old token gets them again');
    const next = await syncOnce(carol, sync.next_batch);
    assert.deepEqual(next.to_device.events, [], 'the next token acknowledged them');

    const other = await call('GET', '/sync?timeout=0', { userId: carol.userId, token: carolSecond.token, deviceId: carolSecond.deviceId });
    assert.deepEqual(other.body.to_device.events.map((event: Json) => event.content.hello), ['all'], '* reached every device');
  });
});

describe('cross-signing', () => {
  let erin: TestUser;
  let device: FakeDevice;
  const master = generateSigningKey();
  const selfSigning = generateSigningKey();
  const userSigning = generateSigningKey();

  before(async () => {
    erin = await createUser(server, 'erin');
    device = new FakeDevice(erin);
    await call('POST', '/keys/upload', erin, { device_keys: device.deviceKeys() });
  });

  it('rejects a self-signing key the master key did not sign', async () => {
    const response = await call('POST', '/keys/device_signing/upload', erin, {
      master_key: crossSigningKey(erin.userId, 'master', master),
      self_signing_key: crossSigningKey(erin.userId, 'self_signing', selfSigning, generateSigningKey()),
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_SIGNATURE');
    const query = await call('POST', '/keys/query', erin, { device_keys: { [erin.userId]: [] } });
    assert.deepEqual(query.body.master_keys, {}, 'nothing was stored');
  });

  it('takes the first upload without user-interactive auth, and the same keys again', async () => {
    const body = {
      master_key: crossSigningKey(erin.userId, 'master', master),
      self_signing_key: crossSigningKey(erin.userId, 'self_signing', selfSigning, master),
      user_signing_key: crossSigningKey(erin.userId, 'user_signing', userSigning, master),
    };
    assert.equal((await call('POST', '/keys/device_signing/upload', erin, body)).status, 200);
    assert.equal((await call('POST', '/keys/device_signing/upload', erin, body)).status, 200, 'a repeated upload is idempotent');
  });

  it('needs the password to replace the keys', async () => {
    const newMaster = generateSigningKey();
    const body = { master_key: crossSigningKey(erin.userId, 'master', newMaster) };
    const challenge = await rejected('POST', '/keys/device_signing/upload', erin, body);
    assert.equal(challenge.status, 401);
    assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: erin.userId }, password: 'erin-password', session: challenge.body.session };
    // Put the original keys back, so the signature tests below use them.
    const replaced = await call('POST', '/keys/device_signing/upload', erin, { ...body, auth });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    const restore = await call('POST', '/keys/device_signing/upload', erin, {
      master_key: crossSigningKey(erin.userId, 'master', master),
      self_signing_key: crossSigningKey(erin.userId, 'self_signing', selfSigning, master),
      user_signing_key: crossSigningKey(erin.userId, 'user_signing', userSigning, master),
      auth: { ...auth, session: undefined },
    });
    assert.equal(restore.status, 200, JSON.stringify(restore.body));
  });

  it('stores valid signatures and reports invalid ones', async () => {
    const frank = await createUser(server, 'frank');
    const frankMaster = generateSigningKey();
    await call('POST', '/keys/device_signing/upload', frank, { master_key: crossSigningKey(frank.userId, 'master', frankMaster) });

    const signedDevice = sign(device.deviceKeys(), erin.userId, `ed25519:${selfSigning.publicKey}`, selfSigning);
    const signedFrank = sign(crossSigningKey(frank.userId, 'master', frankMaster), erin.userId, `ed25519:${userSigning.publicKey}`, userSigning);
    const forged = sign(crossSigningKey(frank.userId, 'master', frankMaster), erin.userId, `ed25519:${userSigning.publicKey}`, generateSigningKey());
    const response = await call('POST', '/keys/signatures/upload', erin, {
      [erin.userId]: { [erin.deviceId]: signedDevice },
      [frank.userId]: { [frankMaster.publicKey]: signedFrank },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.failures, {});

    const bad = await call('POST', '/keys/signatures/upload', erin, { [frank.userId]: { [frankMaster.publicKey]: forged } });
    assert.equal(bad.body.failures[frank.userId][frankMaster.publicKey].errcode, 'M_INVALID_SIGNATURE');

    const asErin = await call('POST', '/keys/query', erin, { device_keys: { [erin.userId]: [], [frank.userId]: [] } });
    assert.equal(asErin.body.device_keys[erin.userId][erin.deviceId].signatures[erin.userId][`ed25519:${selfSigning.publicKey}`], signedDevice.signatures[erin.userId][`ed25519:${selfSigning.publicKey}`]);
    assert.ok(asErin.body.master_keys[frank.userId].signatures[erin.userId], 'erin sees her signature on frank\'s key');
    assert.ok(asErin.body.user_signing_keys[erin.userId]);
    const asFrank = await call('POST', '/keys/query', frank, { device_keys: { [frank.userId]: [] } });
    assert.equal(asFrank.body.master_keys[frank.userId].signatures?.[erin.userId], undefined, 'others do not see it');
  });
});

describe('key backup', () => {
  let gina: TestUser;
  const keyData = (index: number, forwarded = 0, verified = false) => ({
    first_message_index: index, forwarded_count: forwarded, is_verified: verified, session_data: { ciphertext: `c${index}${forwarded}${verified}`, ephemeral: 'e', mac: 'm' },
  });

  before(async () => {
    gina = await createUser(server, 'gina');
  });

  it('answers 404 M_NOT_FOUND when no backup exists', async () => {
    const response = await call('GET', '/room_keys/version', gina);
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_NOT_FOUND');
  });

  it('creates, reads, updates and deletes versions', async () => {
    const algorithm = 'm.megolm_backup.v1.curve25519-aes-sha2';
    const created = await call('POST', '/room_keys/version', gina, { algorithm, auth_data: { public_key: 'abc' } });
    assert.deepEqual(created.body, { version: '1' });
    assert.deepEqual((await call('GET', '/room_keys/version', gina)).body, { algorithm, auth_data: { public_key: 'abc' }, count: 0, etag: '0', version: '1' });
    assert.equal((await call('PUT', '/room_keys/version/1', gina, { algorithm, auth_data: { public_key: 'def' }, version: '1' })).status, 200);
    assert.deepEqual((await call('GET', '/room_keys/version/1', gina)).body.auth_data, { public_key: 'def' });
    assert.equal((await call('PUT', '/room_keys/version/1', gina, { algorithm: 'other', auth_data: {} })).body.errcode, 'M_INVALID_PARAM');
    assert.equal((await call('PUT', '/room_keys/version/1', gina, { algorithm, auth_data: {}, version: '2' })).body.errcode, 'M_INVALID_PARAM');
    assert.equal((await call('GET', '/room_keys/version/7', gina)).status, 404);

    assert.deepEqual((await call('POST', '/room_keys/version', gina, { algorithm, auth_data: { public_key: 'ghi' } })).body, { version: '2' });
    assert.equal((await call('DELETE', '/room_keys/version/1', gina)).status, 200);
    assert.equal((await call('DELETE', '/room_keys/version/1', gina)).status, 200, 'deleting again succeeds');
    assert.equal((await call('DELETE', '/room_keys/version/9', gina)).status, 404);
    assert.equal((await call('GET', '/room_keys/version', gina)).body.version, '2');
  });

  it('stores keys with etag and count, keeping the better key of a session', async () => {
    const put = await call('PUT', '/room_keys/keys?version=2', gina, { rooms: { '!a:localhost': { sessions: { s1: keyData(5), s2: keyData(0) } } } });
    assert.deepEqual(put.body, { etag: '1', count: 2 });
    const worse = await call('PUT', '/room_keys/keys/!a:localhost/s1?version=2', gina, keyData(9));
    assert.deepEqual(worse.body, { etag: '1', count: 2 }, 'a key with a higher first index is ignored');
    const better = await call('PUT', '/room_keys/keys/!a:localhost/s1?version=2', gina, keyData(7, 0, true));
    assert.deepEqual(better.body, { etag: '2', count: 2 }, 'a verified key replaces an unverified one');
    const room = await call('PUT', '/room_keys/keys/!b:localhost?version=2', gina, { sessions: { s3: keyData(0, 2) } });
    assert.deepEqual(room.body, { etag: '3', count: 3 });
    assert.deepEqual((await call('PUT', '/room_keys/keys/!b:localhost/s3?version=2', gina, keyData(0, 1))).body, { etag: '4', count: 3 }, 'fewer forwards win');

    assert.deepEqual((await call('GET', '/room_keys/keys/!a:localhost/s1?version=2', gina)).body, keyData(7, 0, true));
    assert.deepEqual(Object.keys((await call('GET', '/room_keys/keys/!a:localhost?version=2', gina)).body.sessions), ['s1', 's2']);
    assert.deepEqual((await call('GET', '/room_keys/keys/!none:localhost?version=2', gina)).body, { sessions: {} });
    assert.equal((await call('GET', '/room_keys/keys/!a:localhost/nope?version=2', gina)).body.errcode, 'M_NOT_FOUND');
    assert.deepEqual(Object.keys((await call('GET', '/room_keys/keys?version=2', gina)).body.rooms).sort(), ['!a:localhost', '!b:localhost']);
    assert.deepEqual((await call('GET', '/room_keys/version', gina)).body.count, 3);
  });

  it('refuses writes to an old version and deletes keys', async () => {
    const old = await call('PUT', '/room_keys/keys/!a:localhost/s9?version=1', gina, keyData(0));
    assert.equal(old.status, 403, 'version 1 is not the current one');
    assert.equal(old.body.current_version, '2');
    await call('POST', '/room_keys/version', gina, { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: {} });
    const stale = await call('PUT', '/room_keys/keys/!a:localhost/s9?version=2', gina, keyData(0));
    assert.equal(stale.status, 403);
    assert.deepEqual(stale.body.errcode, 'M_WRONG_ROOM_KEYS_VERSION');
    assert.equal(stale.body.current_version, '3');

    assert.deepEqual((await call('DELETE', '/room_keys/keys/!a:localhost/s1?version=2', gina)).body, { etag: '5', count: 2 });
    assert.deepEqual((await call('DELETE', '/room_keys/keys/!b:localhost?version=2', gina)).body, { etag: '6', count: 1 });
    assert.deepEqual((await call('DELETE', '/room_keys/keys?version=2', gina)).body, { etag: '7', count: 0 });
  });
});

describe('responses', () => {
  it('every response matches the spec', async (t) => {
    await assertNoViolations(t, violations);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});
