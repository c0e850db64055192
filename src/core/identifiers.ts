/**
 * Matrix identifier grammar from the spec's "Identifier Grammar" appendix: server names, user
 * ids, room ids, room aliases and event ids.
 */

/** Maximum length in UTF-8 bytes of a user id, room id, room alias or event id, sigil and domain included. */
export const MAX_IDENTIFIER_BYTES = 255;

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_NAME_PATTERN = /^[A-Za-z0-9.-]{1,255}$/;
const NEW_LOCALPART_PATTERN = /^[a-z0-9._=\-/+]+$/;
/** A version 12 room id: `!` + the unpadded URL-safe Base64 of a 32-byte SHA-256 hash. */
const HASH_ROOM_ID_PATTERN = /^![A-Za-z0-9_-]{43}$/;

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isValidPort(port: string): boolean {
  return /^\d{1,5}$/.test(port);
}

function isValidIpv4(hostname: string): boolean {
  const match = IPV4_PATTERN.exec(hostname);
  return match !== null && match.slice(1).every((part) => Number(part) <= 255);
}

/**
 * Checks an IPv6 literal against RFC 3513 section 2.2: eight groups of 1 to 4 hex digits, one
 * optional `::` standing for one or more zero groups, and an optional trailing IPv4 address that
 * counts as two groups.
 */
function isValidIpv6(address: string): boolean {
  if (address.length < 2 || address.length > 45) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  let groupCount = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isValidIpv4(last)) return false;
    all.pop();
    groupCount += 1;
  }
  if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? groupCount <= 7 : groupCount === 8;
}

function isValidHostname(hostname: string): boolean {
  if (hostname.startsWith('[')) {
    return hostname.endsWith(']') && isValidIpv6(hostname.slice(1, -1));
  }
  // Anything of digits and dots must be a well-formed IPv4 literal, not a DNS name.
  if (/^[\d.]+$/.test(hostname)) return isValidIpv4(hostname);
  return DNS_NAME_PATTERN.test(hostname);
}

/** Checks a server name: a DNS name, IPv4 literal or bracketed IPv6 literal, with an optional port. */
export function isValidServerName(serverName: string): boolean {
  const portSeparator = serverName.lastIndexOf(':');
  const closingBracket = serverName.lastIndexOf(']');
  if (portSeparator > closingBracket) {
    return isValidHostname(serverName.slice(0, portSeparator)) && isValidPort(serverName.slice(portSeparator + 1));
  }
  return isValidHostname(serverName);
}

/**
 * Splits `<sigil>localpart:domain` at the first colon, since localparts never contain one and
 * server names may (ports, IPv6). Returns undefined when the sigil, colon or server name is wrong.
 */
function splitIdentifier(id: string, sigil: string): { localpart: string; serverName: string } | undefined {
  if (!id.startsWith(sigil) || byteLength(id) > MAX_IDENTIFIER_BYTES) return undefined;
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const localpart = id.slice(1, colon);
  const serverName = id.slice(colon + 1);
  if (localpart.includes('\u0000') || !isValidServerName(serverName)) return undefined;
  return { localpart, serverName };
}

/** Rejects lone UTF-16 surrogates, which are not Unicode code points and cannot be encoded as UTF-8. */
function hasLoneSurrogate(text: string): boolean {
  // With the `u` flag a surrogate pair is one code point, so only unpaired halves match.
  return /\p{Cs}/u.test(text);
}

/**
 * Parses a user id, accepting historical localparts (any code points except `:` and NUL, even
 * empty) because existing rooms contain them. Use `isValidLocalpart` for ids of new users.
 */
export function parseUserId(id: string): { localpart: string; serverName: string } | undefined {
  if (hasLoneSurrogate(id)) return undefined;
  return splitIdentifier(id, '@');
}

/** Checks a user id under the historical grammar, which events from other servers may use. */
export function isValidUserId(id: string): boolean {
  return parseUserId(id) !== undefined;
}

/** Checks a localpart for a new user: non-empty and only `a-z`, `0-9`, `.`, `_`, `=`, `-`, `/` and `+`. */
export function isValidLocalpart(localpart: string): boolean {
  return NEW_LOCALPART_PATTERN.test(localpart);
}

/** Checks a user id under the current grammar, which new user ids must follow. */
export function isValidNewUserId(id: string): boolean {
  const parts = parseUserId(id);
  return parts !== undefined && isValidLocalpart(parts.localpart);
}

/**
 * Builds a user id for a new user. Throws an Error when the localpart or server name is invalid
 * or the id would exceed 255 bytes.
 */
export function makeUserId(localpart: string, serverName: string): string {
  if (!isValidLocalpart(localpart)) {
    throw new Error(`Invalid user id localpart ${JSON.stringify(localpart)}: use only a-z, 0-9 and . _ = - / +`);
  }
  if (!isValidServerName(serverName)) {
    throw new Error(`Invalid server name ${JSON.stringify(serverName)}`);
  }
  const id = `@${localpart}:${serverName}`;
  if (byteLength(id) > MAX_IDENTIFIER_BYTES) {
    throw new Error(`User id ${JSON.stringify(id)} exceeds ${MAX_IDENTIFIER_BYTES} bytes`);
  }
  return id;
}

/** Returns the server name of `@user:server`, `!room:server`, `#alias:server` or `$event:server`, or undefined. */
export function serverNameOf(id: string): string | undefined {
  const sigil = id.charAt(0);
  if (sigil !== '@' && sigil !== '!' && sigil !== '#' && sigil !== '$') return undefined;
  return splitIdentifier(id, sigil)?.serverName;
}

/**
 * Checks a room id in either form: `!opaque:server` (room versions 1 to 11) or `!` + the 43
 * character URL-safe Base64 reference hash of the create event (room version 12).
 */
export function isValidRoomId(id: string): boolean {
  if (hasLoneSurrogate(id)) return false;
  if (HASH_ROOM_ID_PATTERN.test(id)) return true;
  const parts = splitIdentifier(id, '!');
  return parts !== undefined && parts.localpart !== '';
}

/** Checks a room alias, `#localpart:server`, whose localpart is any code points except `:` and NUL. */
export function isValidRoomAlias(id: string): boolean {
  if (hasLoneSurrogate(id)) return false;
  return splitIdentifier(id, '#') !== undefined;
}

/**
 * Checks an event id in any room version's form: `$opaque:server` (versions 1 and 2) or `$` + a
 * Base64 reference hash (version 3 on), at most 255 bytes.
 */
export function isValidEventId(id: string): boolean {
  if (!id.startsWith('$') || id.length < 2 || hasLoneSurrogate(id) || id.includes('\u0000')) return false;
  return byteLength(id) <= MAX_IDENTIFIER_BYTES;
}
