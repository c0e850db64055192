/** Builds the body of a push gateway's POST /_matrix/push/v1/notify for one pusher. */
import { createHash } from 'node:crypto';
import type { Pusher } from '../storage/pushers.js';
import type { PushAction } from './types.js';

/** The event being pushed, with the room facts the full format carries. */
export interface PushedEvent {
  eventId: string;
  roomId: string;
  type: string;
  sender: string;
  stateKey: string | null;
  content: Record<string, unknown>;
  senderDisplayName?: string;
  roomName?: string;
  roomAlias?: string;
}

/** The recipient's id, the actions of the push rule that matched, and the unread count. */
export interface RecipientFacts {
  userId: string;
  actions: readonly PushAction[];
  /** Unread notifications across the recipient's joined rooms, this event included. */
  unread: number;
}

/** The notify body, as the push gateway API defines it. */
export interface NotifyBody {
  notification: Record<string, unknown> & { devices: Array<Record<string, unknown>> };
}

/**
 * Builds the notify body. With `data.format: "event_id_only"` only the event and room ids, the
 * priority, the counts and the device are sent, so the gateway never receives the message. Otherwise
 * the event's type, sender, content and the room's name and alias come along too.
 */
export function buildNotifyBody(event: PushedEvent, recipient: RecipientFacts, pusher: Pusher): NotifyBody {
  const tweaks = tweaksOf(recipient.actions);
  const { url: _url, ...data } = pusher.data;
  const device = {
    app_id: pusher.appId,
    pushkey: pusher.pushkey,
    pushkey_ts: Math.floor(pusher.pushkeyTs / 1000),
    data,
    tweaks,
  };
  // The push gateway API specifies that counts whose value is zero are omitted.
  const counts = recipient.unread > 0 ? { unread: recipient.unread } : {};
  const base = { event_id: event.eventId, room_id: event.roomId, prio: priorityOf(event, tweaks), counts, devices: [device] };
  if (pusher.data.format === 'event_id_only') return { notification: base };

  return {
    notification: {
      ...base,
      type: event.type,
      sender: event.sender,
      ...(event.senderDisplayName === undefined ? {} : { sender_display_name: event.senderDisplayName }),
      ...(event.roomName === undefined ? {} : { room_name: event.roomName }),
      ...(event.roomAlias === undefined ? {} : { room_alias: event.roomAlias }),
      ...(event.type === 'm.room.member' ? { user_is_target: event.stateKey === recipient.userId } : {}),
      content: event.content,
    },
  };
}

/** Collects the `set_tweak` actions; a `highlight` tweak without a value means true. */
export function tweaksOf(actions: readonly PushAction[]): Record<string, unknown> {
  const tweaks: Record<string, unknown> = {};
  for (const action of actions) {
    if (typeof action === 'string' || typeof action['set_tweak'] !== 'string') continue;
    const name = action['set_tweak'];
    const value = action['value'] ?? (name === 'highlight' ? true : undefined);
    if (value !== undefined) tweaks[name] = value;
  }
  return tweaks;
}

/**
 * Returns `high` for events that make a sound or highlight, and for encrypted events, because
 * only the client can judge those after decrypting. Other events get `low`, so a gateway may
 * deliver them in a battery-saving way.
 */
function priorityOf(event: PushedEvent, tweaks: Record<string, unknown>): 'high' | 'low' {
  const loud = tweaks['sound'] !== undefined || tweaks['highlight'] === true;
  return loud || event.type === 'm.room.encrypted' ? 'high' : 'low';
}

/**
 * Returns a short, stable reference to a pushkey for logs. Pushkeys are device routing secrets,
 * so logs carry the first 8 hex digits of their SHA-256 instead.
 */
export function pushkeyRef(pushkey: string): string {
  return createHash('sha256').update(pushkey).digest('hex').slice(0, 8);
}
