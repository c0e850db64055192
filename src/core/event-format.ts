/**
 * Persistent data units (room events as servers exchange them): content hashes, reference
 * hashes, event ids, signing, and the room ids of room version 12. New events are built in the
 * format of room versions 3 and later. Events of versions 1 and 2 can be hashed, redacted and
 * signed, but their ids come from their `event_id` field.
 */
import { createHash } from 'node:crypto';
import { encodeBase64, encodeUrlSafeBase64 } from './base64.js';
import { canonicalJson } from './canonical-json.js';
import { signJson, signedBytes, type Signatures } from './json-signing.js';
import { redactEvent } from './redaction.js';
import { getRoomVersion, type RoomVersion } from './room-versions.js';
import { signBytes, type SigningKey } from './signing-key.js';

export { redactEvent } from './redaction.js';

export interface Pdu {
  /** Absent only on the `m.room.create` event of room version 12. */
  room_id?: string;
  sender: string;
  type: string;
  /** Present exactly on state events. */
  state_key?: string;
  content: Record<string, unknown>;
  /** Milliseconds since the Unix epoch on the origin server. */
  origin_server_ts: number;
  prev_events: string[];
  auth_events: string[];
  depth: number;
  hashes: { sha256: string } & Record<string, string>;
  signatures: Signatures;
  unsigned?: Record<string, unknown>;
  /** Top-level target of `m.room.redaction` before room version 11, which moved it into `content`. */
  redacts?: string;
  /** Event id carried in the event itself, in room versions 1 and 2 only. */
  event_id?: string;
  /** Sending server name; only older events carry it and version 11 redaction drops it. */
  origin?: string;
}

/** An event before `finalizeEvent` adds its content hash and signature. */
export type UnsignedPdu = Omit<Pdu, 'hashes' | 'signatures'>;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function sha256Bytes(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Computes the content hash: SHA-256 of the canonical JSON of the full event without `unsigned`,
 * `signatures` and `hashes`, as unpadded Base64. It covers the content that redaction removes.
 */
export function computeContentHash(event: object): string {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...rest } = event as Record<string, unknown>;
  return encodeBase64(sha256(canonicalJson(rest)));
}

/**
 * Computes the reference hash: SHA-256 of the canonical JSON of the redacted event without
 * `signatures` and `unsigned`. Because `hashes` survives redaction, a content change changes
 * the reference hash too.
 */
export function computeReferenceHash(event: object, version: RoomVersion): Buffer {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = redactEvent(event, version);
  return sha256(canonicalJson(rest));
}

/**
 * Returns the event id: `$` + the reference hash in unpadded standard Base64 (room version 3) or
 * URL-safe Base64 (version 4 on). For versions 1 and 2 it returns the event's `event_id` field and
 * throws an Error when the field is missing.
 */
export function computeEventId(event: object, version: RoomVersion): string {
  if (version.eventIdFormat === 'v1') {
    const eventId = (event as { event_id?: unknown }).event_id;
    if (typeof eventId !== 'string') {
      throw new Error(`Events of room version ${version.id} carry their id in "event_id", which is missing`);
    }
    return eventId;
  }
  return eventIdFromReferenceHash(computeReferenceHash(event, version), version);
}

function eventIdFromReferenceHash(hash: Buffer, version: RoomVersion): string {
  return `$${version.eventIdFormat === 'v3' ? encodeBase64(hash) : encodeUrlSafeBase64(hash)}`;
}

/**
 * Returns a copy of the event signed by `serverName`. The signature covers the redacted event,
 * so it stays valid when the event is redacted later. Existing signatures are kept.
 */
export function signEvent<T extends object>(event: T, serverName: string, key: SigningKey, version: RoomVersion): T & { signatures: Signatures } {
  const signedRedaction = signJson(redactEvent(event, version), serverName, key);
  const existing = ((event as { signatures?: Signatures }).signatures ?? {}) as Signatures;
  const added = signedRedaction.signatures[serverName] ?? {};
  return { ...event, signatures: { ...existing, [serverName]: { ...existing[serverName], ...added } } };
}

/**
 * Completes a new event: adds its content hash, signs it and computes its id. Any `hashes` or
 * `signatures` on the input are replaced. Throws an Error for room versions 1 and 2, whose
 * event format this server does not build.
 */
export function finalizeEvent(event: UnsignedPdu, serverName: string, key: SigningKey, version: RoomVersion): { event: Pdu; eventId: string } {
  if (version.eventIdFormat === 'v1') {
    throw new Error(`Cannot build events for room version ${version.id}: only versions 3 and later are supported`);
  }
  const { hashes: _hashes, signatures: _signatures, ...rest } = event as UnsignedPdu & Partial<Pick<Pdu, 'hashes' | 'signatures'>>;
  const hashed: Pdu = { ...rest, hashes: { sha256: computeContentHash(rest) }, signatures: {} };

  // The signature (see signEvent) and the reference hash (see computeReferenceHash) both cover the
  // canonical JSON of the redacted event without `signatures` and `unsigned`, so it is encoded once.
  const redactedBytes = signedBytes(redactEvent(hashed, version));
  const signed: Pdu = { ...hashed, signatures: { [serverName]: { [key.keyId]: signBytes(key, redactedBytes) } } };
  return { event: signed, eventId: eventIdFromReferenceHash(sha256Bytes(redactedBytes), version) };
}

/**
 * Returns the room id that an `m.room.create` event defines in room version 12: its event id with
 * the sigil `!` in place of `$`. Throws an Error when the event is not a create event or carries
 * a `room_id`, which such create events must not.
 */
export function computeRoomIdFromCreateEvent(createEvent: object, version: RoomVersion = roomVersion12()): string {
  const fields = createEvent as { type?: unknown; room_id?: unknown };
  if (fields.type !== 'm.room.create') {
    throw new Error(`Expected an m.room.create event, got type ${JSON.stringify(fields.type)}`);
  }
  if (!version.roomIdFromCreateEvent) {
    throw new Error(`Room version ${version.id} does not derive room ids from the create event`);
  }
  if (fields.room_id !== undefined) {
    throw new Error('An m.room.create event of room version 12 must not have a room_id');
  }
  return `!${computeEventId(createEvent, version).slice(1)}`;
}

function roomVersion12(): RoomVersion {
  const version = getRoomVersion('12');
  if (version === undefined) throw new Error('Room version 12 is missing from the room version table');
  return version;
}

/** Returns true when the event is a state event, which the presence of `state_key` decides. */
export function isStateEvent(event: { state_key?: unknown }): boolean {
  return typeof event.state_key === 'string';
}
