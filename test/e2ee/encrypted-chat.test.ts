// Real end-to-end encryption: matrix-js-sdk clients with their Rust crypto talk through Lattice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MatrixClient, MatrixError } from 'matrix-js-sdk';
import type { GeneratedSecretStorageKey } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { api, passwordLogin } from '../support/client.js';
import { createUser } from '../support/matrix.js';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';
import { CLIENT_ORIGIN, signInWithSdk, startSsoServer } from '../identity/sso-support.js';
import {
  ENCRYPTION_STATE, eventually, quietSdkLogs, RecordingFetch, startCryptoClient, waitForDecrypted, waitForMembership, type Credentials,
} from './crypto-clients.js';
import { generateSigningKey } from '../../src/core/signing-key.js';

const CLIENT_URL = `${CLIENT_ORIGIN}/chat/#/login`;

const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;

async function signInWithNextcloud(server: TestServer, user: { id: string; password: string }): Promise<Credentials> {
  return (await signInWithSdk(server, user, { redirectUrl: CLIENT_URL, fetchFn: specFetch })).credentials;
}

/** Secret storage callbacks that hand out one known key, as a user typing their recovery key would. */
function secretStorageCallbacks(key: () => GeneratedSecretStorageKey | undefined) {
  return {
    getSecretStorageKey: async ({ keys }: { keys: Record<string, unknown> }): Promise<[string, Uint8Array] | null> => {
      const current = key();
      const keyId = Object.keys(keys)[0];
      return current && keyId ? [keyId, current.privateKey] : null;
    },
  };
}

async function createEncryptedRoom(client: MatrixClient, invite: string[]): Promise<string> {
  const { room_id: roomId } = await client.createRoom({ name: 'Secret chat', invite, initial_state: [ENCRYPTION_STATE] });
  return roomId;
}

async function backupCount(server: TestServer, token: string): Promise<number> {
  const response = await api<{ count?: number }>(server.baseUrl, 'GET', '/_matrix/client/v3/room_keys/version', { token });
  return response.body.count ?? 0;
}

describe('encrypted chat between Nextcloud users, with cross-signing and key backup', () => {
  let nextcloud: NextcloudEmulator;
  let server: TestServer;
  const clients: MatrixClient[] = [];
  let alice: Credentials;
  let bob: Credentials;
  let aliceClient: MatrixClient;
  let bobClient: MatrixClient;
  let roomId: string;
  let recoveryKey: GeneratedSecretStorageKey | undefined;

  before(async () => {
    quietSdkLogs();
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    nextcloud = await NextcloudEmulator.start();
    nextcloud.addUser({ id: 'alice', password: 'alice-password', displayName: 'Alice Example', email: 'alice@example.test' });
    nextcloud.addUser({ id: 'bob', password: 'bob-password', displayName: 'Bob Example', email: null });
    server = await startSsoServer({ providers: [{ id: 'nextcloud', name: 'Nextcloud', emulator: nextcloud }] });
  });

  after(async () => {
    clients.forEach((client) => client.stopClient());
    await server?.dispose();
    await nextcloud?.stop();
  });

  it('advertises cross-signing support in /versions', async () => {
    const versions = await api<{ unstable_features: Record<string, boolean> }>(server.baseUrl, 'GET', '/_matrix/client/versions');
    assert.equal(versions.body.unstable_features['org.matrix.e2e_cross_signing'], true);
  });

  it('alice and bob each decrypt the other\'s messages', async () => {
    alice = await signInWithNextcloud(server, { id: 'alice', password: 'alice-password' });
    bob = await signInWithNextcloud(server, { id: 'bob', password: 'bob-password' });
    aliceClient = await startCryptoClient(server, alice, { fetchFn: specFetch, cryptoCallbacks: secretStorageCallbacks(() => recoveryKey) });
    bobClient = await startCryptoClient(server, bob, { fetchFn: specFetch });
    clients.push(aliceClient, bobClient);

    roomId = await createEncryptedRoom(aliceClient, [bob.userId]);
    await eventually('bob\'s invite', () => (bobClient.getRoom(roomId)?.getMyMembership() === 'invite' ? true : undefined));
    await bobClient.joinRoom(roomId);
    await waitForMembership(aliceClient, roomId, bob.userId, 'join');

    await aliceClient.sendTextMessage(roomId, 'Hello Bob, this is secret');
    const received = await waitForDecrypted(bobClient, roomId, 'Hello Bob, this is secret');
    assert.equal(received.getSender(), alice.userId);
    assert.equal(received.getWireType(), 'm.room.encrypted');

    await bobClient.sendTextMessage(roomId, 'Hi Alice, secret too');
    const reply = await waitForDecrypted(aliceClient, roomId, 'Hi Alice, secret too');
    assert.equal(reply.getSender(), bob.userId);
  });

  it('the server only ever saw ciphertext', async () => {
    const messages = await api<{ chunk: Array<{ type: string; content: Record<string, unknown> }> }>(
      server.baseUrl, 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`, { token: alice.accessToken },
    );
    const texts = messages.body.chunk.filter((event) => event.type === 'm.room.message');
    assert.deepEqual(texts, []);
    assert.ok(messages.body.chunk.some((event) => event.type === 'm.room.encrypted' && typeof event.content.ciphertext === 'string'));
  });

  it('alice sets up cross-signing, secret storage and key backup', async () => {
    const crypto = aliceClient.getCrypto()!;
    recoveryKey = await crypto.createRecoveryKeyFromPassphrase();
    // The first upload of cross-signing keys needs no user-interactive auth.
    await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => { await makeRequest(null); } });
    await crypto.bootstrapSecretStorage({ createSecretStorageKey: async () => recoveryKey!, setupNewKeyBackup: true });

    assert.equal(await crypto.isCrossSigningReady(), true);
    assert.equal(await crypto.isSecretStorageReady(), true);
    await eventually('key backup to be active', async () => (await crypto.getActiveSessionBackupVersion()) ?? undefined);
    // Alice's outbound session and the one Bob's reply came in: both end up in the backup.
    await eventually('two room keys in the backup', async () => ((await backupCount(server, alice.accessToken)) >= 2 ? true : undefined));

    const status = await crypto.getDeviceVerificationStatus(alice.userId, alice.deviceId);
    assert.equal(status?.crossSigningVerified, true, 'the device is signed by alice\'s self-signing key');
  });

  it('bob sees alice\'s cross-signing keys and her device signed by them', async () => {
    type Query = {
      device_keys: Record<string, Record<string, { signatures: Record<string, Record<string, string>> }>>;
      master_keys: Record<string, unknown>; self_signing_keys: Record<string, { keys: Record<string, string> }>; user_signing_keys: Record<string, unknown>;
    };
    const response = await api<Query>(server.baseUrl, 'POST', '/_matrix/client/v3/keys/query', { token: bob.accessToken, body: { device_keys: { [alice.userId]: [] } } });
    assert.ok(response.body.master_keys[alice.userId]);
    const selfSigning = Object.keys(response.body.self_signing_keys[alice.userId]?.keys ?? {})[0];
    assert.ok(selfSigning);
    assert.ok(response.body.device_keys[alice.userId]?.[alice.deviceId]?.signatures[alice.userId]?.[selfSigning], 'alice\'s device carries her self-signing signature');
    assert.equal(response.body.user_signing_keys[alice.userId], undefined, 'only alice sees her user-signing key');
  });

  it('a new alice device restores the backup and decrypts the old messages', async () => {
    const secondAlice = await signInWithNextcloud(server, { id: 'alice', password: 'alice-password' });
    assert.notEqual(secondAlice.deviceId, alice.deviceId);
    const client = await startCryptoClient(server, secondAlice, { fetchFn: specFetch, cryptoCallbacks: secretStorageCallbacks(() => recoveryKey) });
    clients.push(client);
    const crypto = client.getCrypto()!;

    await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
    const restored = await crypto.restoreKeyBackup();
    assert.ok(restored.imported >= 2, `imported ${restored.imported} of ${restored.total} keys`);
    await waitForDecrypted(client, roomId, 'Hello Bob, this is secret');
    await waitForDecrypted(client, roomId, 'Hi Alice, secret too');
  });

  it('replacing cross-signing keys as an SSO user answers with the m.login.sso flow', async () => {
    const key = generateSigningKey();
    const body = { master_key: { user_id: alice.userId, usage: ['master'], keys: { [`ed25519:${key.publicKey}`]: key.publicKey } } };
    const response = await api<{ flows: Array<{ stages: string[] }>; session: string }>(
      server.baseUrl, 'POST', '/_matrix/client/v3/keys/device_signing/upload', { token: alice.accessToken, body },
    );
    assert.equal(response.status, 401);
    assert.deepEqual(response.body.flows, [{ stages: ['m.login.sso'] }]);
    assert.equal(typeof response.body.session, 'string');
  });

  it('every response matches the spec', async (t) => {
    await assertNoViolations(t, violations);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});

describe('device changes and one-time keys with local accounts', () => {
  let server: TestServer;
  const clients: MatrixClient[] = [];
  const localViolations: Violation[] = [];
  let localFetch: typeof fetch = fetch;
  let carol: Credentials;
  let dan1: Credentials;
  let dan2: Credentials;
  let carolFetch: RecordingFetch;
  let carolClient: MatrixClient;
  let dan1Client: MatrixClient;
  let roomId: string;

  before(async () => {
    quietSdkLogs();
    localFetch = validatingFetch(await loadSpecValidator(), localViolations);
    server = await TestServer.start();
    const carolUser = await createUser(server, 'carol');
    const danUser = await createUser(server, 'dan');
    carol = { userId: carolUser.userId, accessToken: carolUser.token, deviceId: carolUser.deviceId };
    dan1 = { userId: danUser.userId, accessToken: danUser.token, deviceId: danUser.deviceId };
    const second = await passwordLogin(server.baseUrl, 'dan', 'dan-password');
    dan2 = { userId: second.userId, accessToken: second.token, deviceId: second.deviceId };

    carolFetch = new RecordingFetch(localFetch, ['/_matrix/client/v3/keys/upload']);
    carolClient = await startCryptoClient(server, carol, { fetchFn: carolFetch.fetch });
    dan1Client = await startCryptoClient(server, dan1, { fetchFn: localFetch });
    clients.push(carolClient, dan1Client);
  });

  after(async () => {
    clients.forEach((client) => client.stopClient());
    await server?.dispose();
  });

  it('bob deletes a device and alice\'s next message is not encrypted to it', async () => {
    const dan2Client = await startCryptoClient(server, dan2, { fetchFn: localFetch });
    roomId = await createEncryptedRoom(carolClient, [dan1.userId]);
    await eventually('dan\'s invite', () => (dan1Client.getRoom(roomId)?.getMyMembership() === 'invite' ? true : undefined));
    await dan1Client.joinRoom(roomId);
    await waitForMembership(carolClient, roomId, dan1.userId, 'join');

    await carolClient.sendTextMessage(roomId, 'Before the deletion');
    await waitForDecrypted(dan1Client, roomId, 'Before the deletion');
    await waitForDecrypted(dan2Client, roomId, 'Before the deletion');
    dan2Client.stopClient();

    await deleteDeviceWithPassword(dan1Client, dan2.deviceId, 'dan-password');
    const devices = await dan1Client.getDevices();
    assert.deepEqual(devices.devices.map((device) => device.device_id), [dan1.deviceId]);
    await eventually('carol forgets dan\'s deleted device', async () => {
      const known = (await carolClient.getCrypto()!.getUserDeviceInfo([dan1.userId])).get(dan1.userId);
      return known && !known.has(dan2.deviceId) ? true : undefined;
    });

    const mark = carolFetch.requests.length;
    await carolClient.sendTextMessage(roomId, 'After the deletion');
    await waitForDecrypted(dan1Client, roomId, 'After the deletion');
    const sent = carolFetch.since(mark, '/_matrix/client/v3/sendToDevice/')
      .map((request) => (request.body as { messages: Record<string, Record<string, unknown>> }).messages[dan1.userId] ?? {});
    assert.ok(sent.some((byDevice) => dan1.deviceId in byDevice), 'the new room key went to dan\'s remaining device');
    assert.ok(sent.every((byDevice) => !(dan2.deviceId in byDevice)), 'nothing was encrypted to the deleted device');

    const stale = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: dan2.accessToken });
    assert.equal(stale.status, 401);
  });

  it('when carol\'s one-time keys run out, a new session starts through her fallback key', async () => {
    // Carol's client cannot upload replacement keys while the keys are drained.
    carolFetch.held = true;
    let claims = 0;
    for (;;) {
      const claimed = await claimKey(server, dan1.accessToken, carol);
      assert.ok(claimed, 'carol always has a key to claim');
      claims += 1;
      if ((claimed as { fallback?: boolean }).fallback === true) break;
      assert.ok(claims < 200, 'the one-time keys never ran out');
    }
    const counts = await deviceKeyCounts(server, carol);
    assert.deepEqual(counts, { oneTimeKeys: { signed_curve25519: 0 }, unusedFallback: [] });

    const third = await passwordLogin(server.baseUrl, 'dan', 'dan-password');
    const dan3Fetch = new RecordingFetch(localFetch);
    const dan3Client = await startCryptoClient(server, { userId: third.userId, accessToken: third.token, deviceId: third.deviceId }, { fetchFn: dan3Fetch.fetch });
    clients.push(dan3Client);
    await eventually('dan\'s new device sees the room', () => dan3Client.getRoom(roomId) ?? undefined);
    await dan3Client.sendTextMessage(roomId, 'Sent with a fallback key');

    const claimedForCarol = dan3Fetch.since(0, '/_matrix/client/v3/keys/claim')
      .map((request) => (request.responseBody as { one_time_keys?: Record<string, Record<string, Record<string, { fallback?: boolean }>>> }).one_time_keys?.[carol.userId]?.[carol.deviceId])
      .filter((keys) => keys !== undefined);
    assert.equal(claimedForCarol.length, 1);
    assert.equal(Object.values(claimedForCarol[0]!)[0]?.fallback, true, 'the session used carol\'s fallback key');
    await waitForDecrypted(carolClient, roomId, 'Sent with a fallback key');

    // Once it can reach the server again, carol's client uploads new one-time keys, and the
    // counts it then sees are right, so it stops uploading. (The Rust crypto replaces a used
    // fallback key on its own schedule, so the fallback type may stay reported as used.)
    carolFetch.release();
    await eventually('carol uploads new keys', async () => ((await deviceKeyCounts(server, carol)).oneTimeKeys.signed_curve25519 ?? 0) >= 25 ? true : undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const uploads = carolFetch.since(0, '/_matrix/client/v3/keys/upload').length;
    await carolClient.sendTextMessage(roomId, 'Keys are settled');
    await waitForDecrypted(dan1Client, roomId, 'Keys are settled');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(carolFetch.since(0, '/_matrix/client/v3/keys/upload').length, uploads, 'no further key uploads once the counts are right');
  });

  it('every response matches the spec', async (t) => {
    await assertNoViolations(t, localViolations);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});

/** Deletes a device through the user-interactive auth dance a client performs. */
async function deleteDeviceWithPassword(client: MatrixClient, deviceId: string, password: string): Promise<void> {
  let session: string | undefined;
  try {
    await client.deleteDevice(deviceId);
    assert.fail('deleting a device needs user-interactive auth');
  } catch (error) {
    const data = (error as MatrixError).data as { flows?: Array<{ stages: string[] }>; session?: string };
    assert.deepEqual(data.flows, [{ stages: ['m.login.password'] }]);
    session = data.session;
  }
  await client.deleteDevice(deviceId, { type: 'm.login.password', identifier: { type: 'm.id.user', user: client.getUserId()! }, password, session });
}

async function claimKey(server: TestServer, token: string, target: Credentials): Promise<unknown> {
  const response = await api<{ one_time_keys: Record<string, Record<string, Record<string, unknown>>> }>(server.baseUrl, 'POST', '/_matrix/client/v3/keys/claim', {
    token, body: { one_time_keys: { [target.userId]: { [target.deviceId]: 'signed_curve25519' } } },
  });
  assert.equal(response.status, 200);
  return Object.values(response.body.one_time_keys[target.userId]?.[target.deviceId] ?? {})[0];
}

/** The key counts an initial /sync reports to the device; an initial sync acknowledges no to-device message. */
async function deviceKeyCounts(server: TestServer, device: Credentials): Promise<{ oneTimeKeys: Record<string, number>; unusedFallback: string[] }> {
  const response = await api<{ device_one_time_keys_count: Record<string, number>; device_unused_fallback_key_types: string[] }>(
    server.baseUrl, 'GET', '/_matrix/client/v3/sync?timeout=0&filter=%7B%22room%22%3A%7B%22rooms%22%3A%5B%5D%7D%7D', { token: device.accessToken },
  );
  return { oneTimeKeys: response.body.device_one_time_keys_count, unusedFallback: response.body.device_unused_fallback_key_types };
}
