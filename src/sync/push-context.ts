import { getRoomVersion, roomCreators } from '../core/index.js';
import type { PushContext } from '../push/evaluator.js';
import type { Ruleset } from '../push/types.js';
import type { EventStore, StoredEvent } from '../storage/events.js';

/** Supplies a user's effective push rules. */
export interface RulesetSource {
  getRules(userId: string): Promise<{ global: Ruleset }>;
}

/** Loads the room facts push-rule conditions read for one user: display name, member count, power levels, creators. */
export async function buildPushContext(events: EventStore, userId: string, roomId: string): Promise<PushContext> {
  const [room, state, members] = await Promise.all([
    events.getRoom(roomId),
    events.getCurrentState(roomId, ['m.room.create', 'm.room.power_levels']),
    events.getMembers(roomId, ['join']),
  ]);
  const ownMember = await events.getCurrentStateEvent(roomId, 'm.room.member', userId);
  const displayName = (ownMember?.json.content as { displayname?: unknown } | undefined)?.displayname;
  const roomVersion = room?.roomVersion ?? '11';
  const create = state.find((event) => event.type === 'm.room.create');
  const powerLevels = state.find((event) => event.type === 'm.room.power_levels');
  return {
    userId,
    displayName: typeof displayName === 'string' ? displayName : null,
    memberCount: members.length,
    powerLevels: powerLevels?.json.content as Record<string, unknown> | undefined,
    roomVersion,
    roomCreators: create ? creatorsOf(create, roomVersion) : [],
  };
}

function creatorsOf(create: StoredEvent, roomVersion: string): string[] {
  const version = getRoomVersion(roomVersion);
  if (!version) return [create.sender];
  return [...roomCreators({ type: create.type, sender: create.sender, content: (create.json.content ?? {}) as Record<string, unknown> }, version)];
}
