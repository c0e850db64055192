import { isValidUserId } from '../core/index.js';
import type { DirectoryUser, UserDirectoryStore } from '../storage/user-directory.js';

export interface UserSearchResult {
  results: Array<{ user_id: string; display_name?: string; avatar_url?: string }>;
  limited: boolean;
}

/**
 * POST /user_directory/search: every active local user when `searchAllUsers` is set, otherwise
 * users who share a room with the searcher or are joined to a published room, plus the user
 * whose id is exactly the search term.
 */
export class UserDirectory {
  constructor(private readonly store: UserDirectoryStore, private readonly options: { searchAllUsers: boolean }) {}

  async search(searcher: string, term: string, limit: number): Promise<UserSearchResult> {
    const trimmed = term.trim();
    const scope = this.options.searchAllUsers ? 'all' : 'shared-rooms';
    const found = await this.store.search(searcher, trimmed, limit + 1, scope);
    const exact = isValidUserId(trimmed) ? await this.store.exact(trimmed) : undefined;
    const users = exact ? [exact, ...found.filter((user) => user.userId !== exact.userId)] : found;
    return { results: users.slice(0, limit).map(toResult), limited: users.length > limit };
  }
}

function toResult(user: DirectoryUser): UserSearchResult['results'][number] {
  const result: UserSearchResult['results'][number] = { user_id: user.userId };
  if (user.displayName) result.display_name = user.displayName;
  if (user.avatarUrl) result.avatar_url = user.avatarUrl;
  return result;
}
