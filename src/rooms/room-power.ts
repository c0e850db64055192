import { getRoomVersion, powerLevelOf, requiredLevelForEvent, stateKey, type AuthEvent } from '../core/index.js';
import type { EventStore } from '../storage/events.js';

/** Loads the room's current create and power levels events as the auth rules read them. */
async function authStateOf(events: EventStore, roomId: string): Promise<Map<string, AuthEvent>> {
  const state = await events.getCurrentState(roomId, ['m.room.create', 'm.room.power_levels']);
  return new Map(state.map((event) => [
    stateKey(event.type, event.stateKey ?? ''),
    { type: event.type, state_key: event.stateKey ?? '', sender: event.sender, content: (event.json.content ?? {}) as Record<string, unknown> },
  ]));
}

/** Checks whether the user's power level in the room is enough to send a state event of `type`. */
export async function canSendState(events: EventStore, roomId: string, userId: string, type: string): Promise<boolean> {
  const room = await events.getRoom(roomId);
  const version = room && getRoomVersion(room.roomVersion);
  if (!version) return false;
  const state = await authStateOf(events, roomId);
  const create = state.get(stateKey('m.room.create', ''));
  if (!create) return false;
  return powerLevelOf(userId, state, version, create) >= requiredLevelForEvent(type, true, state, version);
}
