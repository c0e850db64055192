import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { UserDirectory } from '../../directory/user-directory.js';
import { requireSession } from '../auth.js';

export interface UserDirectoryRouteDeps {
  users: UserDirectory;
}

const SearchBody = Type.Object({
  search_term: Type.String(),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
});

// The spec's default page size for user directory searches.
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export function registerUserDirectoryRoutes(app: FastifyInstance, deps: UserDirectoryRouteDeps): void {
  /** POST /_matrix/client/v3/user_directory/search: users the searcher may find by id or display name. */
  app.post<{ Body: Static<typeof SearchBody> }>(
    '/_matrix/client/v3/user_directory/search',
    { config: { auth: 'required' }, schema: { body: SearchBody } },
    async (request) => {
      const session = requireSession(request);
      const limit = Math.min(request.body.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
      return deps.users.search(session.userId, request.body.search_term, limit);
    },
  );
}
