/**
 * Maps identity-provider subjects (Nextcloud user ids, OIDC `sub` or `preferred_username` claims)
 * into Matrix localparts, following the spec's "Mapping from other character sets" appendix.
 */
import { createHash } from 'node:crypto';
import { MAX_IDENTIFIER_BYTES } from '../core/identifiers.js';

/** Bytes kept as they are: `a-z`, `0-9`, `.`, `_`, `-`, `/` and `+`. */
const KEPT_BYTE = /^[a-z0-9._\-/+]$/;
/** Hex digits of the SHA-256 of the subject appended to a truncated localpart. */
const HASH_HEX_DIGITS = 12;
/** Collision suffixes tried before giving up, as Synapse's OIDC mapper does (1 to 999). */
export const MAX_COLLISION_ATTEMPTS = 1000;

/**
 * Maps a subject to a localpart. Bytes of the UTF-8 form are lower-cased (A–Z only); every other
 * byte outside `a-z 0-9 . _ - / +`, and every `=`, becomes `=` and two lower-case hex digits. A
 * leading `_` becomes `=5f` and a digits-only result gets the prefix `u`, as Synapse reserves both
 * forms. When `@localpart:serverName` would exceed 255 bytes, the localpart is cut and ends in `-`
 * plus a hash of the subject, so distinct long subjects stay distinct.
 * Throws an Error for an empty or whitespace-only subject.
 */
export function mapSubjectToLocalpart(subject: string, serverName: string): string {
  if (subject.trim() === '') throw new Error('The identity provider returned an empty subject; it cannot be mapped to a Matrix user id.');

  let localpart = escapeBytes(Buffer.from(subject, 'utf8'));
  if (localpart.startsWith('_')) localpart = `=5f${localpart.slice(1)}`;
  if (/^[0-9]+$/.test(localpart)) localpart = `u${localpart}`;

  const limit = maxLocalpartBytes(serverName);
  if (localpart.length <= limit) return localpart;
  const hash = createHash('sha256').update(subject, 'utf8').digest('hex').slice(0, HASH_HEX_DIGITS);
  return `${cutAtEscapeBoundary(localpart, limit - hash.length - 1)}-${hash}`;
}

/**
 * Returns the localpart to try after `attempt` collisions: the base itself first, then base + "1",
 * base + "2", and so on. The base is shortened when the suffix would push the id past 255 bytes.
 */
export function localpartCandidate(base: string, attempt: number, serverName: string): string {
  if (attempt === 0) return base;
  const suffix = String(attempt);
  const room = maxLocalpartBytes(serverName) - suffix.length;
  return `${cutAtEscapeBoundary(base, room)}${suffix}`;
}

function escapeBytes(bytes: Buffer): string {
  let result = '';
  for (const byte of bytes) {
    const lowered = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
    const char = String.fromCharCode(lowered);
    result += KEPT_BYTE.test(char) ? char : `=${lowered.toString(16).padStart(2, '0')}`;
  }
  return result;
}

/** Localpart bytes left once `@`, `:` and the server name are counted; throws when too few remain. */
function maxLocalpartBytes(serverName: string): number {
  const limit = MAX_IDENTIFIER_BYTES - 2 - Buffer.byteLength(serverName, 'utf8');
  if (limit < HASH_HEX_DIGITS + 8) {
    throw new Error(`The server name ${JSON.stringify(serverName)} leaves no room for a localpart within ${MAX_IDENTIFIER_BYTES} bytes.`);
  }
  return limit;
}

/** Cuts an ASCII localpart to at most `length` characters without splitting an `=xx` escape. */
function cutAtEscapeBoundary(localpart: string, length: number): string {
  let end = Math.min(length, localpart.length);
  const escapeStart = localpart.lastIndexOf('=', end - 1);
  if (escapeStart >= 0 && escapeStart + 3 > end) end = escapeStart;
  return localpart.slice(0, end);
}
