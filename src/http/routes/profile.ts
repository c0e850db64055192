import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import { isValidUserId } from '../../core/index.js';
import type { ProfileService } from '../../profile/profile-service.js';
import { requireSession } from '../auth.js';
import { checkOwnUser } from './sync.js';

export interface ProfileRouteDeps {
  profiles: ProfileService;
}

type FieldBody = Record<string, unknown> | undefined;

export function registerProfileRoutes(app: FastifyInstance, deps: ProfileRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/profile/{userId}: a user's display name and avatar. */
  app.get<{ Params: { userId: string } }>('/_matrix/client/v3/profile/:userId', async (request) => {
    return deps.profiles.getProfile(checkUserId(request.params.userId));
  });

  /** GET /_matrix/client/v3/profile/{userId}/{field}: one profile field. */
  app.get<{ Params: { userId: string; field: string } }>('/_matrix/client/v3/profile/:userId/:field', async (request) => {
    const profile = (await deps.profiles.getProfile(checkUserId(request.params.userId))) as Record<string, unknown>;
    const value = profile[request.params.field];
    if (value === undefined) throw new MatrixError('M_NOT_FOUND', `The profile has no "${request.params.field}" field.`);
    return { [request.params.field]: value };
  });

  /** PUT /_matrix/client/v3/profile/{userId}/{field}: sets the caller's displayname or avatar_url. */
  app.put<{ Params: { userId: string; field: string }; Body: FieldBody }>('/_matrix/client/v3/profile/:userId/:field', authed, async (request) => {
    const session = requireSession(request);
    checkOwnUser(session.userId, request.params.userId);
    const { field } = request.params;
    const value = request.body?.[field];
    if (value !== undefined && value !== null && typeof value !== 'string') throw new MatrixError('M_BAD_JSON', `"${field}" must be a string.`);
    if (field === 'displayname') await deps.profiles.setDisplayName(session.userId, (value as string | null | undefined) ?? null);
    else if (field === 'avatar_url') await deps.profiles.setAvatarUrl(session.userId, (value as string | null | undefined) ?? null);
    else throw new MatrixError('M_INVALID_PARAM', `Profile field "${field}" cannot be set here; use displayname or avatar_url.`);
    return {};
  });
}

function checkUserId(userId: string): string {
  if (!isValidUserId(userId)) throw new MatrixError('M_INVALID_PARAM', `"${userId}" is not a valid user id.`);
  return userId;
}
