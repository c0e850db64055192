import { badJson, MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { E2eeKeyStore, JsonObject, KeySignature, StoredCrossSigningKey } from '../storage/e2ee-keys.js';
import type { DeviceListService } from './device-lists.js';
import { checkDeviceKeys, checkOneTimeKeys, isObject, type UploadedKey } from './key-validation.js';

export interface KeyUploadRequest {
  device_keys?: JsonObject;
  one_time_keys?: JsonObject;
  fallback_keys?: JsonObject;
}

export interface KeyQueryResponse {
  failures: Record<string, unknown>;
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys: Record<string, JsonObject>;
  self_signing_keys: Record<string, JsonObject>;
  user_signing_keys: Record<string, JsonObject>;
}

export interface KeyServiceDeps {
  keys: E2eeKeyStore;
  deviceLists: DeviceListService;
  serverName: string;
  logger: Logger;
}

/** Clients count on this algorithm being listed, zero included, or they upload keys on every sync. */
const SIGNED_CURVE25519 = 'signed_curve25519';

/** /keys/upload, /keys/query and /keys/claim, and the one-time key counts that /sync reports. */
export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  /** Checks every uploaded key before storing any; returns the device's one-time key counts. */
  async upload(userId: string, deviceId: string, body: KeyUploadRequest): Promise<{ one_time_key_counts: Record<string, number> }> {
    const stored = await this.deps.keys.getDeviceKeys(userId, deviceId);
    const deviceKeys = body.device_keys;
    const ed25519 = deviceKeys ? checkDeviceKeys(deviceKeys, userId, deviceId) : storedEd25519(stored, deviceId);
    const signer = { userId, deviceId, ed25519 };
    const oneTimeKeys = body.one_time_keys ? checkOneTimeKeys(body.one_time_keys, 'one_time_keys', signer) : [];
    const fallbackKeys = body.fallback_keys ? checkOneTimeKeys(body.fallback_keys, 'fallback_keys', signer) : [];
    checkOneFallbackPerAlgorithm(fallbackKeys);

    const conflicts = await this.deps.keys.addOneTimeKeys(userId, deviceId, oneTimeKeys);
    if (conflicts.length > 0) {
      const names = conflicts.map((c) => `${c.algorithm}:${c.keyId}`).join(', ');
      throw new MatrixError('M_INVALID_PARAM', `One-time key ids already in use with different keys: ${names}.`);
    }
    for (const key of fallbackKeys) await this.deps.keys.setFallbackKey(userId, deviceId, key);
    if (deviceKeys && JSON.stringify(deviceKeys) !== JSON.stringify(stored)) {
      await this.deps.keys.setDeviceKeys(userId, deviceId, deviceKeys);
      await this.deps.deviceLists.markChanged(userId);
      this.deps.logger.info({ userId, deviceId, replaced: stored !== undefined }, 'device keys uploaded');
    }
    return { one_time_key_counts: await this.oneTimeKeyCounts(userId, deviceId) };
  }

  /** Counts of unclaimed one-time keys, with signed_curve25519 always present. */
  async oneTimeKeyCounts(userId: string, deviceId: string): Promise<Record<string, number>> {
    return { [SIGNED_CURVE25519]: 0, ...(await this.deps.keys.countOneTimeKeys(userId, deviceId)) };
  }

  async unusedFallbackKeyTypes(userId: string, deviceId: string): Promise<string[]> {
    return this.deps.keys.unusedFallbackKeyAlgorithms(userId, deviceId);
  }

  /**
   * Device and cross-signing keys of the requested users (all devices for an empty list), with
   * the signatures the requester may see. The requester's own devices are always included.
   */
  async query(requesterId: string, request: Record<string, string[]>): Promise<KeyQueryResponse> {
    const wanted = new Map(Object.entries(request).filter(([userId]) => this.isLocal(userId)));
    if (!wanted.has(requesterId)) wanted.set(requesterId, []);
    const response: KeyQueryResponse = { failures: {}, device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {} };
    for (const userId of wanted.keys()) response.device_keys[userId] = {};

    const signaturesByUser = new Map<string, KeySignature[]>();
    for (const userId of wanted.keys()) signaturesByUser.set(userId, await this.deps.keys.getSignatures(userId, [requesterId]));
    for (const device of await this.deps.keys.queryDeviceKeys(wanted)) {
      const keys = withSignatures(device.keys, signaturesByUser.get(device.userId) ?? [], device.deviceId);
      keys.unsigned = { ...(isObject(keys.unsigned) ? keys.unsigned : {}), ...(device.displayName ? { device_display_name: device.displayName } : {}) };
      (response.device_keys[device.userId] ??= {})[device.deviceId] = keys;
    }
    for (const userId of wanted.keys()) {
      for (const key of await this.deps.keys.getCrossSigningKeys(userId)) {
        if (key.type === 'user_signing' && userId !== requesterId) continue;
        const field = `${key.type}_keys` as 'master_keys' | 'self_signing_keys' | 'user_signing_keys';
        response[field][userId] = key.type === 'master' ? withSignatures(key.key, signaturesByUser.get(userId) ?? [], key.publicKey) : key.key;
      }
    }
    return response;
  }

  /** Hands out one one-time key per requested device, or the device's fallback key when none is left. */
  async claim(request: Record<string, Record<string, string>>): Promise<{ failures: Record<string, unknown>; one_time_keys: Record<string, Record<string, JsonObject>> }> {
    const claimed: Record<string, Record<string, JsonObject>> = {};
    for (const [userId, devices] of Object.entries(request)) {
      if (!this.isLocal(userId)) continue;
      for (const [deviceId, algorithm] of Object.entries(devices)) {
        const key = (await this.deps.keys.claimOneTimeKey(userId, deviceId, algorithm))
          ?? (await this.deps.keys.claimFallbackKey(userId, deviceId, algorithm));
        if (!key) continue;
        (claimed[userId] ??= {})[deviceId] = { [`${algorithm}:${key.keyId}`]: key.key };
      }
    }
    return { failures: {}, one_time_keys: claimed };
  }

  /** Deletes every key of a deleted device and tells whoever shares a room. */
  async deviceDeleted(userId: string, deviceId: string): Promise<void> {
    await this.deps.keys.deleteDevice(userId, deviceId);
    await this.deps.deviceLists.markChanged(userId);
  }

  private isLocal(userId: string): boolean {
    return userId.endsWith(`:${this.deps.serverName}`);
  }
}

function storedEd25519(stored: JsonObject | undefined, deviceId: string): string | undefined {
  const keys = stored?.keys;
  const ed25519 = isObject(keys) ? keys[`ed25519:${deviceId}`] : undefined;
  return typeof ed25519 === 'string' ? ed25519 : undefined;
}

function checkOneFallbackPerAlgorithm(keys: readonly UploadedKey[]): void {
  const algorithms = keys.map((key) => key.algorithm);
  const repeated = algorithms.find((algorithm, index) => algorithms.indexOf(algorithm) !== index);
  if (repeated) throw badJson(`fallback_keys holds more than one ${repeated} key; a device has one fallback key per algorithm.`);
}

/** A copy of the key object with the stored signatures over `targetKeyId` merged into its own. */
export function withSignatures(key: JsonObject, signatures: readonly KeySignature[], targetKeyId: string): JsonObject {
  const merged: Record<string, Record<string, string>> = {};
  for (const [signer, byKey] of Object.entries(isObject(key.signatures) ? key.signatures : {})) {
    if (isObject(byKey)) merged[signer] = { ...(byKey as Record<string, string>) };
  }
  for (const s of signatures) {
    if (s.targetKeyId === targetKeyId) (merged[s.signerUserId] ??= {})[s.signerKeyId] = s.signature;
  }
  return { ...key, signatures: merged };
}

export type { StoredCrossSigningKey };
