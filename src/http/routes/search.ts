import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseSearchRequest } from '../../search/search-request.js';
import type { SearchService } from '../../search/search-service.js';
import { requireSession } from '../auth.js';

export interface SearchRouteDeps {
  search: SearchService;
}

// The criteria are checked by parseSearchRequest, which names the bad field in its message.
const SearchBody = Type.Object({ search_categories: Type.Record(Type.String(), Type.Unknown()) });
const SearchQuery = Type.Object({ next_batch: Type.Optional(Type.String()) });

export function registerSearchRoutes(app: FastifyInstance, deps: SearchRouteDeps): void {
  /** POST /_matrix/client/v3/search: full-text search over the room events the user may see. */
  app.post<{ Body: Static<typeof SearchBody>; Querystring: Static<typeof SearchQuery> }>(
    '/_matrix/client/v3/search',
    { config: { auth: 'required' }, schema: { body: SearchBody, querystring: SearchQuery } },
    async (request) => {
      const session = requireSession(request);
      const criteria = parseSearchRequest(request.body);
      const roomEvents = await deps.search.searchRoomEvents(session, criteria, request.query.next_batch);
      return { search_categories: { room_events: roomEvents } };
    },
  );
}
