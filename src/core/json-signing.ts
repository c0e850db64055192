/**
 * Signing JSON objects and checking their signatures, as the spec's "Signing JSON" appendix
 * describes: the signature covers the canonical JSON of the object without `signatures` and
 * `unsigned`.
 */
import { canonicalJson } from './canonical-json.js';
import { signBytes, verifySignature, type SigningKey } from './signing-key.js';

/** Signatures of a signed object: server name → key id → unpadded Base64 signature. */
export type Signatures = Record<string, Record<string, string>>;

/** Returns the bytes a JSON signature covers: the canonical JSON without `signatures` and `unsigned`. */
export function signedBytes(value: object): Buffer {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = value as Record<string, unknown>;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/**
 * Returns a copy of the object signed by `serverName` with `key`. Signatures already present are
 * kept, including other keys of the same server, and `unsigned` is carried over unchanged.
 */
export function signJson<T extends object>(value: T, serverName: string, key: SigningKey): T & { signatures: Signatures } {
  const signature = signBytes(key, signedBytes(value));
  const existing = ((value as { signatures?: Signatures }).signatures ?? {}) as Signatures;
  const signatures: Signatures = { ...existing, [serverName]: { ...existing[serverName], [key.keyId]: signature } };
  return { ...value, signatures };
}

/**
 * Checks that the object carries a valid signature from `serverName` under `keyId` for the given
 * public key. Returns false when the signature is missing or invalid.
 */
export function verifyJsonSignature(value: object, serverName: string, keyId: string, publicKey: string): boolean {
  const signatures = (value as { signatures?: unknown }).signatures;
  if (typeof signatures !== 'object' || signatures === null) return false;
  const serverSignatures = (signatures as Record<string, unknown>)[serverName];
  if (typeof serverSignatures !== 'object' || serverSignatures === null) return false;
  const signature = (serverSignatures as Record<string, unknown>)[keyId];
  if (typeof signature !== 'string') return false;
  let bytes: Buffer;
  try {
    bytes = signedBytes(value);
  } catch {
    // An object that has no canonical JSON form cannot carry a valid signature.
    return false;
  }
  return verifySignature(publicKey, bytes, signature);
}
