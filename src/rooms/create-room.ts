import type { RoomVersion } from '../core/index.js';
import type { EventTemplate } from './room-writer.js';

export type Preset = 'private_chat' | 'public_chat' | 'trusted_private_chat';

export interface CreateRoomRequest {
  visibility?: 'public' | 'private';
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  room_version?: string;
  creation_content?: Record<string, unknown>;
  initial_state?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  preset?: Preset;
  is_direct?: boolean;
  power_level_content_override?: Record<string, unknown>;
}

const PRESET_STATE: Record<Preset, { joinRule: string; history: string; guestAccess: string }> = {
  private_chat: { joinRule: 'invite', history: 'shared', guestAccess: 'can_join' },
  trusted_private_chat: { joinRule: 'invite', history: 'shared', guestAccess: 'can_join' },
  public_chat: { joinRule: 'public', history: 'shared', guestAccess: 'forbidden' },
};

/** Returns the preset named in the request, or the one its visibility implies. */
export function effectivePreset(request: CreateRoomRequest): Preset {
  return request.preset ?? (request.visibility === 'public' ? 'public_chat' : 'private_chat');
}

/** The creator's `m.room.create` content: creation_content plus the room version. */
export function createEventContent(request: CreateRoomRequest, creator: string, version: RoomVersion): Record<string, unknown> {
  const content: Record<string, unknown> = { ...request.creation_content, room_version: version.id };
  // Versions before 11 name the creator in the content; from 11 the sender is the creator.
  if (version.creatorInContent) content.creator = creator;
  else delete content.creator;
  return content;
}

/**
 * The state events written after the create event and the creator's join, in the order the
 * spec's createRoom section gives: power levels, canonical alias, preset state, initial_state,
 * name, topic. Invites follow separately.
 */
export function initialStateEvents(request: CreateRoomRequest, creator: string, alias: string | undefined, version: RoomVersion): EventTemplate[] {
  const preset = effectivePreset(request);
  const templates: EventTemplate[] = [
    { type: 'm.room.power_levels', sender: creator, stateKey: '', content: powerLevelsContent(request, creator, preset, version) },
  ];
  if (alias) templates.push({ type: 'm.room.canonical_alias', sender: creator, stateKey: '', content: { alias } });

  const presetState = PRESET_STATE[preset];
  const initial = new Map<string, EventTemplate>();
  const put = (template: EventTemplate) => initial.set(`${template.type}\u0000${template.stateKey ?? ''}`, template);
  put({ type: 'm.room.join_rules', sender: creator, stateKey: '', content: { join_rule: presetState.joinRule } });
  put({ type: 'm.room.history_visibility', sender: creator, stateKey: '', content: { history_visibility: presetState.history } });
  put({ type: 'm.room.guest_access', sender: creator, stateKey: '', content: { guest_access: presetState.guestAccess } });
  for (const event of request.initial_state ?? []) {
    put({ type: event.type, sender: creator, stateKey: event.state_key ?? '', content: event.content });
  }
  templates.push(...initial.values());

  if (request.name !== undefined) templates.push({ type: 'm.room.name', sender: creator, stateKey: '', content: { name: request.name } });
  if (request.topic !== undefined) {
    templates.push({
      type: 'm.room.topic', sender: creator, stateKey: '',
      content: { topic: request.topic, 'm.topic': { 'm.text': [{ body: request.topic, mimetype: 'text/plain' }] } },
    });
  }
  return templates;
}

function powerLevelsContent(request: CreateRoomRequest, creator: string, preset: Preset, version: RoomVersion): Record<string, unknown> {
  const users: Record<string, number> = {};
  // In room version 12 creators have infinite power and must not be listed in `users`.
  if (!version.infiniteCreatorPower) users[creator] = 100;
  if (preset === 'trusted_private_chat') {
    for (const invitee of request.invite ?? []) users[invitee] = 100;
  }
  const content: Record<string, unknown> = {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    // Anyone may invite in private rooms; public rooms keep invitations to moderators.
    invite: preset === 'public_chat' ? 50 : 0,
    notifications: { room: 50 },
  };
  return { ...content, ...request.power_level_content_override };
}
