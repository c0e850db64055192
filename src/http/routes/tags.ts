import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalidParam } from '../../core/errors.js';
import type { AccountDataStore } from '../../storage/account-data.js';
import { requireSession } from '../auth.js';
import { checkRoomId } from './rooms.js';
import { checkOwnUser } from './sync.js';

export interface TagRouteDeps {
  accountData: AccountDataStore;
  notifyUser: (userId: string, position: number) => void;
}

/** The room account data event type that carries a user's tags of a room. */
const TAG_EVENT_TYPE = 'm.tag';
// Tags are short labels such as m.favourite; the limit keeps account data small.
const MAX_TAG_LENGTH = 255;

const TagParams = Type.Object({ userId: Type.String(), roomId: Type.String(), tag: Type.String({ minLength: 1 }) });
const TagBody = Type.Object({ order: Type.Optional(Type.Number()) }, { additionalProperties: true });

export function registerTagRoutes(app: FastifyInstance, deps: TagRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const readTags = async (userId: string, roomId: string) =>
    ((await deps.accountData.get(userId, roomId, TAG_EVENT_TYPE))?.tags ?? {}) as Record<string, Record<string, unknown>>;
  const writeTags = async (userId: string, roomId: string, tags: Record<string, Record<string, unknown>>) => {
    deps.notifyUser(userId, await deps.accountData.set(userId, roomId, TAG_EVENT_TYPE, { tags }));
  };

  /** GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags: the user's tags of the room. */
  app.get<{ Params: { userId: string; roomId: string } }>('/_matrix/client/v3/user/:userId/rooms/:roomId/tags', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    return { tags: await readTags(session.userId, checkRoomId(request.params.roomId)) };
  });

  /** PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}: adds or updates a tag; /sync delivers it as m.tag. */
  app.put<{ Params: Static<typeof TagParams>; Body: Static<typeof TagBody> }>(
    '/_matrix/client/v3/user/:userId/rooms/:roomId/tags/:tag',
    { ...authed, schema: { params: TagParams, body: TagBody } },
    async (request) => {
      const session = requireSession(request);
      checkOwnUser(session.userId, request.params.userId);
      const roomId = checkRoomId(request.params.roomId);
      const tag = checkTag(request.params.tag);
      const tags = await readTags(session.userId, roomId);
      tags[tag] = request.body;
      await writeTags(session.userId, roomId, tags);
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}: removes a tag; removing an absent tag succeeds. */
  app.delete<{ Params: Static<typeof TagParams> }>('/_matrix/client/v3/user/:userId/rooms/:roomId/tags/:tag', { ...authed, schema: { params: TagParams } }, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    const roomId = checkRoomId(request.params.roomId);
    const tags = await readTags(session.userId, roomId);
    if (Object.hasOwn(tags, request.params.tag)) {
      delete tags[request.params.tag];
      await writeTags(session.userId, roomId, tags);
    }
    return {};
  });
}

function checkTag(tag: string): string {
  if (tag.length > MAX_TAG_LENGTH) throw invalidParam(`The tag is longer than ${MAX_TAG_LENGTH} characters.`);
  return tag;
}
