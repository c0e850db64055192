/**
 * Ed25519 server signing keys, stored in the file format Synapse uses so that an existing
 * Synapse key file can be reused: one key per line, `ed25519 <version> <unpadded Base64 seed>`.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';

export interface SigningKey {
  algorithm: 'ed25519';
  /** Key version, the part of the key id after `ed25519:`; letters, digits and `_` only. */
  version: string;
  /** Signing key identifier, `ed25519:<version>`. */
  keyId: string;
  /** The 32-byte Ed25519 seed (the private key). */
  seed: Buffer;
  /** The 32-byte public key as unpadded Base64. */
  publicKey: string;
}

/** DER prefix that turns a 32-byte Ed25519 seed into a PKCS#8 private key (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix that turns a 32-byte Ed25519 public key into an SPKI public key (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const SEED_LENGTH = 32;
const KEY_VERSION_PATTERN = /^[A-Za-z0-9_]+$/;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// Parsing the DER key costs more than the signature itself, and a server signs every event with
// the same few keys, so the parsed key is kept per seed.
const privateKeys = new WeakMap<Buffer, KeyObject>();

function privateKeyFromSeed(seed: Buffer): KeyObject {
  const cached = privateKeys.get(seed);
  if (cached) return cached;
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  privateKeys.set(seed, key);
  return key;
}

function publicKeyFromBytes(publicKey: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** Builds a signing key from its version and seed, deriving the public key. */
export function signingKeyFromSeed(version: string, seed: Uint8Array): SigningKey {
  if (!KEY_VERSION_PATTERN.test(version)) {
    throw new Error(`Invalid signing key version ${JSON.stringify(version)}: use only letters, digits and "_"`);
  }
  if (seed.length !== SEED_LENGTH) {
    throw new Error(`Invalid Ed25519 seed: expected ${SEED_LENGTH} bytes, got ${seed.length}`);
  }
  const seedBuffer = Buffer.from(seed);
  const spki = createPublicKey(privateKeyFromSeed(seedBuffer)).export({ format: 'der', type: 'spki' });
  return {
    algorithm: 'ed25519',
    version,
    keyId: `ed25519:${version}`,
    seed: seedBuffer,
    publicKey: encodeBase64(spki.subarray(SPKI_ED25519_PREFIX.length)),
  };
}

/** Returns a random key version of the form `a_XXXX`, the form Synapse (synapse/config/key.py) generates. */
function randomKeyVersion(): string {
  const letters = Array.from(randomBytes(4), (byte) => LETTERS[byte % LETTERS.length]);
  return `a_${letters.join('')}`;
}

/** Generates a new random Ed25519 signing key. */
export function generateSigningKey(version: string = randomKeyVersion()): SigningKey {
  return signingKeyFromSeed(version, randomBytes(SEED_LENGTH));
}

/**
 * Parses a Synapse signing key file and returns the key on its first line. Throws an Error naming
 * the problem when the first line is not `ed25519 <version> <Base64 seed>`.
 */
export function parseSigningKeyFile(text: string): SigningKey {
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '');
  if (firstLine === undefined) {
    throw new Error('Invalid signing key file: it contains no key');
  }
  const fields = firstLine.trim().split(/\s+/);
  if (fields.length !== 3) {
    throw new Error('Invalid signing key file: expected a line "ed25519 <version> <base64 seed>"');
  }
  const [algorithm, version, seedText] = fields as [string, string, string];
  if (algorithm !== 'ed25519') {
    throw new Error(`Invalid signing key file: unsupported algorithm ${JSON.stringify(algorithm)}, expected "ed25519"`);
  }
  let seed: Buffer;
  try {
    seed = decodeBase64(seedText);
  } catch (cause) {
    throw new Error('Invalid signing key file: the seed is not Base64', { cause });
  }
  try {
    return signingKeyFromSeed(version, seed);
  } catch (cause) {
    throw new Error(`Invalid signing key file: ${(cause as Error).message}`, { cause });
  }
}

/** Formats a key as one line of a Synapse signing key file, ending with a newline. */
export function formatSigningKeyFile(key: SigningKey): string {
  return `${key.algorithm} ${key.version} ${encodeBase64(key.seed)}\n`;
}

/** Signs bytes with the key and returns the 64-byte Ed25519 signature as unpadded Base64. */
export function signBytes(key: SigningKey, bytes: Uint8Array): string {
  return encodeBase64(sign(null, bytes, privateKeyFromSeed(key.seed)));
}

/**
 * Checks an Ed25519 signature. Returns false, rather than throwing, when the public key or the
 * signature is malformed, because both usually come from remote servers.
 */
export function verifySignature(publicKeyBase64: string, bytes: Uint8Array, signatureBase64: string): boolean {
  try {
    const publicKey = decodeBase64(publicKeyBase64);
    const signature = decodeBase64(signatureBase64);
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    return verify(null, bytes, publicKeyFromBytes(publicKey), signature);
  } catch {
    return false;
  }
}
