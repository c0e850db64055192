/**
 * Checks of uploaded key objects: their shape, that they name the uploading user and device,
 * and that their ed25519 signatures verify. Pure functions; each throws the spec's error.
 */
import { verifyJsonSignature } from '../core/json-signing.js';
import { badJson } from '../core/errors.js';
import { invalidSignature } from './errors.js';

export type JsonObject = Record<string, unknown>;

export interface UploadedKey {
  algorithm: string;
  keyId: string;
  key: unknown;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks device identity keys: they belong to this user and device, every key is named
 * `<algorithm>:<device id>`, and they are signed by their own ed25519 key. Returns that key.
 */
export function checkDeviceKeys(keys: JsonObject, userId: string, deviceId: string): string {
  if (keys.user_id !== userId) throw badJson(`device_keys.user_id must be ${userId}, the user of the access token.`);
  if (keys.device_id !== deviceId) throw badJson(`device_keys.device_id must be ${deviceId}, the device of the access token.`);
  if (!Array.isArray(keys.algorithms) || !keys.algorithms.every((a) => typeof a === 'string')) throw badJson('device_keys.algorithms must be a list of strings.');
  if (!isObject(keys.keys)) throw badJson('device_keys.keys must be an object.');
  for (const [name, value] of Object.entries(keys.keys)) {
    const [, keyDevice] = splitKeyName(name, 'device_keys.keys');
    if (keyDevice !== deviceId) throw badJson(`device_keys.keys.${name} names device ${keyDevice}, not ${deviceId}.`);
    if (typeof value !== 'string') throw badJson(`device_keys.keys.${name} must be a string.`);
  }
  const ed25519 = keys.keys[`ed25519:${deviceId}`];
  if (typeof ed25519 !== 'string') throw badJson(`device_keys.keys must contain ed25519:${deviceId}.`);
  if (!isObject(keys.signatures)) throw badJson('device_keys.signatures must be an object.');
  if (!verifyJsonSignature(keys, userId, `ed25519:${deviceId}`, ed25519)) {
    throw invalidSignature(`device_keys is not signed by its own key ed25519:${deviceId}.`);
  }
  return ed25519;
}

/**
 * Checks one-time or fallback keys (`field` names which) and returns them. Signed keys must
 * carry a valid signature of the device; unsigned string keys are accepted as they are.
 */
export function checkOneTimeKeys(
  keys: JsonObject, field: string, signer: { userId: string; deviceId: string; ed25519: string | undefined },
): UploadedKey[] {
  const result: UploadedKey[] = [];
  for (const [name, key] of Object.entries(keys)) {
    const [algorithm, keyId] = splitKeyName(name, field);
    if (typeof key === 'string') {
      result.push({ algorithm, keyId, key });
      continue;
    }
    if (!isObject(key) || typeof key.key !== 'string') throw badJson(`${field}.${name} must be a string or an object with "key".`);
    if (!isObject(key.signatures)) throw badJson(`${field}.${name} must be signed by the device.`);
    if (signer.ed25519 === undefined) throw badJson(`Upload device_keys before signed ${field}: no identity key is known for device ${signer.deviceId}.`);
    if (!verifyJsonSignature(key, signer.userId, `ed25519:${signer.deviceId}`, signer.ed25519)) {
      throw invalidSignature(`${field}.${name} is not signed by ed25519:${signer.deviceId}.`);
    }
    result.push({ algorithm, keyId, key });
  }
  return result;
}

/** Splits `<algorithm>:<id>`; throws M_BAD_JSON when the name has no colon. */
export function splitKeyName(name: string, field: string): [string, string] {
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1) throw badJson(`${field}: "${name}" is not of the form <algorithm>:<key id>.`);
  return [name.slice(0, colon), name.slice(colon + 1)];
}
