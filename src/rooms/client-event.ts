import { getRoomVersion, redactEvent } from '../core/index.js';
import type { StoredEvent } from '../storage/events.js';

/** An event in the client-server format. */
export interface ClientEvent {
  content: Record<string, unknown>;
  event_id: string;
  origin_server_ts: number;
  room_id?: string;
  sender: string;
  state_key?: string;
  type: string;
  redacts?: string;
  unsigned?: Record<string, unknown>;
}

export interface FormatOptions {
  now: number;
  /** Omitted inside /sync, where the room id is the key the event is listed under. */
  includeRoomId?: boolean;
  /** The transaction id, when the requesting device sent this event. */
  transactionId?: string;
  /** The redaction event, when `event.redactedBy` is set and it was loaded. */
  redaction?: StoredEvent;
  roomVersion?: string;
}

/**
 * Turns a stored event into what clients receive: the signed PDU fields they use, the redacted
 * form once redacted, and `unsigned` with `age`, `prev_content` and `transaction_id`.
 */
export function toClientEvent(event: StoredEvent, options: FormatOptions): ClientEvent {
  let source = event.json;
  if (event.redactedBy) {
    const version = getRoomVersion(options.roomVersion ?? '11');
    if (version) source = redactEvent(event.json, version);
  }
  const storedUnsigned = (event.json.unsigned ?? {}) as Record<string, unknown>;
  const unsigned: Record<string, unknown> = { age: Math.max(0, options.now - event.originServerTs) };
  if (storedUnsigned.prev_content !== undefined) unsigned.prev_content = storedUnsigned.prev_content;
  if (storedUnsigned.replaces_state !== undefined) unsigned.replaces_state = storedUnsigned.replaces_state;
  if (options.transactionId !== undefined) unsigned.transaction_id = options.transactionId;
  if (options.redaction) unsigned.redacted_because = toClientEvent(options.redaction, { now: options.now, includeRoomId: true });

  const clientEvent: ClientEvent = {
    content: (source.content ?? {}) as Record<string, unknown>,
    event_id: event.eventId,
    origin_server_ts: event.originServerTs,
    sender: event.sender,
    type: event.type,
    unsigned,
  };
  if (options.includeRoomId !== false) clientEvent.room_id = event.roomId;
  if (event.stateKey !== null) clientEvent.state_key = event.stateKey;
  if (event.type === 'm.room.redaction') {
    const redacts = (source.redacts ?? (source.content as Record<string, unknown> | undefined)?.redacts) as string | undefined;
    if (typeof redacts === 'string') clientEvent.redacts = redacts;
  }
  return clientEvent;
}

/** Stripped state, as invitees see a room before joining it. */
export function toStrippedState(event: StoredEvent): Record<string, unknown> {
  return { content: event.json.content ?? {}, sender: event.sender, state_key: event.stateKey ?? '', type: event.type };
}
