import { canonicalJson } from '../core/canonical-json.js';
import { badJson, forbidden, MatrixError } from '../core/errors.js';
import { signedBytes, verifyJsonSignature } from '../core/json-signing.js';
import type { Logger } from '../logging.js';
import type { CrossSigningKeyType, E2eeKeyStore, JsonObject, KeySignature, StoredCrossSigningKey } from '../storage/e2ee-keys.js';
import type { DeviceListService } from './device-lists.js';
import { invalidSignature } from './errors.js';
import { isObject } from './key-validation.js';
import type { AuthSubmission, UserInteractiveAuth } from './uia.js';

export interface DeviceSigningUpload {
  master_key?: JsonObject;
  self_signing_key?: JsonObject;
  user_signing_key?: JsonObject;
  auth?: AuthSubmission;
}

export interface CrossSigningServiceDeps {
  keys: E2eeKeyStore;
  deviceLists: DeviceListService;
  uia: UserInteractiveAuth;
  /** The user's device ids, which no cross-signing public key may equal. */
  listDeviceIds(userId: string): Promise<string[]>;
  logger: Logger;
}

type SignatureFailure = { errcode: string; error: string };

const FIELDS: Array<[keyof DeviceSigningUpload, CrossSigningKeyType]> = [
  ['master_key', 'master'], ['self_signing_key', 'self_signing'], ['user_signing_key', 'user_signing'],
];

/** Cross-signing keys (/keys/device_signing/upload) and the signatures made with them (/keys/signatures/upload). */
export class CrossSigningService {
  constructor(private readonly deps: CrossSigningServiceDeps) {}

  /**
   * Stores the user's cross-signing keys. Needs user-interactive auth unless the user has no
   * master key yet or the request repeats the stored keys exactly.
   */
  async uploadKeys(userId: string, body: DeviceSigningUpload): Promise<void> {
    const existing = new Map((await this.deps.keys.getCrossSigningKeys(userId)).map((key) => [key.type, key]));
    const incoming = FIELDS.flatMap(([field, type]) => {
      const key = body[field];
      return key === undefined ? [] : [parseCrossSigningKey(key as JsonObject, type, userId)];
    });
    if (incoming.length === 0) return;
    const repeatsStored = incoming.every((key) => sameKey(existing.get(key.type), key));
    if (existing.has('master') && !repeatsStored) await this.deps.uia.require(userId, 'cross-signing', body.auth);

    const master = incoming.find((key) => key.type === 'master') ?? existing.get('master');
    if (!master) throw new MatrixError('M_MISSING_PARAM', 'No master signing key is available; upload master_key first.');
    for (const key of incoming) {
      if (key.type !== 'master' && !verifyJsonSignature(key.key, userId, `ed25519:${master.publicKey}`, master.publicKey)) {
        throw invalidSignature(`The ${key.type} key is not signed by the master key.`);
      }
    }
    const deviceIds = new Set(await this.deps.listDeviceIds(userId));
    if (incoming.some((key) => deviceIds.has(key.publicKey))) throw forbidden('A cross-signing public key equals one of your device ids.');
    if (repeatsStored) return;

    await this.deps.keys.setCrossSigningKeys(userId, incoming);
    await this.deps.deviceLists.markChanged(userId);
    this.deps.logger.info({ userId, keys: incoming.map((key) => key.type) }, 'cross-signing keys uploaded');
  }

  /**
   * Verifies and stores signatures: the user's self-signing key over their devices, their
   * devices over their master key, and their user-signing key over other users' master keys.
   * Returns the failures by user and key id; everything else is stored.
   */
  async uploadSignatures(userId: string, body: Record<string, Record<string, unknown>>): Promise<{ failures: Record<string, Record<string, SignatureFailure>> }> {
    const failures: Record<string, Record<string, SignatureFailure>> = {};
    const accepted: KeySignature[] = [];
    const ownKeys = await this.deps.keys.getCrossSigningKeys(userId);
    for (const [targetUserId, objects] of Object.entries(body)) {
      for (const [keyId, signed] of Object.entries(objects)) {
        try {
          accepted.push(...(await this.checkSignedObject(userId, ownKeys, targetUserId, keyId, signed)));
        } catch (error) {
          if (!(error instanceof MatrixError)) throw error;
          (failures[targetUserId] ??= {})[keyId] = { errcode: error.errcode, error: error.message };
        }
      }
    }
    await this.deps.keys.addSignatures(accepted);
    if (accepted.length > 0) await this.deps.deviceLists.markChanged(userId);
    return { failures };
  }

  /** Returns the new, valid signatures that `signerId` put on the object; throws a MatrixError otherwise. */
  private async checkSignedObject(signerId: string, ownKeys: StoredCrossSigningKey[], targetUserId: string, keyId: string, signed: unknown): Promise<KeySignature[]> {
    if (!isObject(signed)) throw badJson('The signed object must be a JSON object.');
    const signerKey = pickSigner(signerId, ownKeys, targetUserId, keyId);
    const target = targetUserId === signerId ? await this.ownTarget(signerId, keyId) : await this.otherMasterKey(targetUserId, keyId);
    if (!sameSignedContent(target.object, signed)) {
      throw badJson(`The signed object differs from the stored key ${keyId}.`);
    }
    const signatures = isObject(signed.signatures) && isObject(signed.signatures[signerId]) ? signed.signatures[signerId] as Record<string, unknown> : {};
    const result: KeySignature[] = [];
    for (const [signerKeyId, signature] of Object.entries(signatures)) {
      const publicKey = target.signers.get(signerKeyId) ?? (signerKey && signerKeyId === `ed25519:${signerKey}` ? signerKey : undefined);
      if (publicKey === undefined || typeof signature !== 'string') continue;
      const single = { ...signed, signatures: { [signerId]: { [signerKeyId]: signature } } };
      if (!verifyJsonSignature(single, signerId, signerKeyId, publicKey)) throw invalidSignature(`Invalid signature by ${signerKeyId}.`);
      result.push({ signerUserId: signerId, signerKeyId, targetUserId, targetKeyId: keyId, signature });
    }
    if (result.length === 0) throw invalidSignature(`No signature by a key of ${signerId} that may sign ${keyId}.`);
    return result;
  }

  /** The user's own device (signed by the self-signing key) or master key (signed by a device). */
  private async ownTarget(userId: string, keyId: string): Promise<{ object: JsonObject; signers: Map<string, string> }> {
    const master = (await this.deps.keys.getCrossSigningKeys(userId)).find((key) => key.type === 'master');
    if (master && master.publicKey === keyId) {
      const signers = new Map<string, string>();
      for (const deviceId of await this.deps.listDeviceIds(userId)) {
        const device = await this.deps.keys.getDeviceKeys(userId, deviceId);
        const ed25519 = isObject(device?.keys) ? device.keys[`ed25519:${deviceId}`] : undefined;
        if (typeof ed25519 === 'string') signers.set(`ed25519:${deviceId}`, ed25519);
      }
      return { object: master.key, signers };
    }
    const device = await this.deps.keys.getDeviceKeys(userId, keyId);
    if (!device) throw new MatrixError('M_NOT_FOUND', `No device or master key ${keyId} of ${userId}.`);
    return { object: device, signers: new Map() };
  }

  private async otherMasterKey(userId: string, keyId: string): Promise<{ object: JsonObject; signers: Map<string, string> }> {
    const master = (await this.deps.keys.getCrossSigningKeys(userId)).find((key) => key.type === 'master');
    if (!master || master.publicKey !== keyId) throw new MatrixError('M_NOT_FOUND', `${keyId} is not the master key of ${userId}.`);
    return { object: master.key, signers: new Map() };
  }
}

/** The signer's cross-signing key that may sign this target: self-signing for own devices, user-signing for others' master keys. */
function pickSigner(signerId: string, ownKeys: StoredCrossSigningKey[], targetUserId: string, keyId: string): string | undefined {
  const master = ownKeys.find((key) => key.type === 'master');
  const wanted: CrossSigningKeyType = targetUserId !== signerId ? 'user_signing' : 'self_signing';
  if (targetUserId === signerId && master?.publicKey === keyId) return undefined;
  return ownKeys.find((key) => key.type === wanted)?.publicKey;
}

/** Checks a cross-signing key object and returns it with its public key. */
function parseCrossSigningKey(key: JsonObject, type: CrossSigningKeyType, userId: string): StoredCrossSigningKey {
  if (!isObject(key)) throw badJson(`The ${type} key must be an object.`);
  if (key.user_id !== userId) throw badJson(`The ${type} key must have user_id ${userId}.`);
  if (!Array.isArray(key.usage) || !key.usage.includes(type)) throw badJson(`The ${type} key must list "${type}" in usage.`);
  const entries = isObject(key.keys) ? Object.entries(key.keys) : [];
  const [name, value] = entries[0] ?? [];
  if (entries.length !== 1 || typeof value !== 'string' || name !== `ed25519:${value}`) {
    throw badJson(`The ${type} key must hold exactly one key, named ed25519:<its unpadded Base64 public key>.`);
  }
  return { type, publicKey: value, key };
}

/** Whether two key objects are equal apart from `signatures` and `unsigned`; false when one has no canonical form. */
function sameSignedContent(stored: JsonObject, uploaded: JsonObject): boolean {
  try {
    return signedBytes(stored).equals(signedBytes(uploaded));
  } catch {
    return false;
  }
}

function sameKey(stored: StoredCrossSigningKey | undefined, incoming: StoredCrossSigningKey): boolean {
  return stored !== undefined && canonicalJson(stored.key) === canonicalJson(incoming.key);
}
