import { sql } from 'kysely';
import type { Db } from './database.js';

export interface DirectoryUser {
  userId: string;
  displayName: string | null;
  avatarUrl: string | null;
}

/** Searches local users for the user directory. */
export class UserDirectoryStore {
  constructor(private readonly db: Db) {}

  /**
   * Active users whose id or display name contains `term` (case-insensitive). With scope
   * `shared-rooms`, only those who share a joined room with `searcher` or are joined to a
   * published room. Returns at most `limit` rows, ordered by user id.
   */
  async search(searcher: string, term: string, limit: number, scope: 'all' | 'shared-rooms'): Promise<DirectoryUser[]> {
    const pattern = `%${escapeLike(term.toLowerCase())}%`;
    let query = this.db.selectFrom('users')
      .select(['user_id', 'displayname', 'avatar_url'])
      .where('deactivated', '=', 0)
      .where((eb) => eb.or([
        sql<boolean>`lower(${eb.ref('user_id')}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(coalesce(${eb.ref('displayname')}, '')) like ${pattern} escape '\\'`,
      ]));
    if (scope === 'shared-rooms') {
      query = query.where((eb) => eb.or([
        eb('user_id', 'in', eb.selectFrom('room_memberships as mine')
          .innerJoin('room_memberships as theirs', 'theirs.room_id', 'mine.room_id')
          .select('theirs.user_id')
          .where('mine.user_id', '=', searcher).where('mine.membership', '=', 'join').where('theirs.membership', '=', 'join')),
        eb('user_id', 'in', eb.selectFrom('room_memberships as member')
          .innerJoin('rooms', 'rooms.room_id', 'member.room_id')
          .select('member.user_id')
          .where('rooms.is_public', '=', 1).where('member.membership', '=', 'join')),
      ]));
    }
    const rows = await query.orderBy('user_id').limit(limit).execute();
    return rows.map((row) => ({ userId: row.user_id, displayName: row.displayname, avatarUrl: row.avatar_url }));
  }

  /** Returns the active local user with exactly this id, or undefined. */
  async exact(userId: string): Promise<DirectoryUser | undefined> {
    const row = await this.db.selectFrom('users').select(['user_id', 'displayname', 'avatar_url'])
      .where('user_id', '=', userId).where('deactivated', '=', 0).executeTakeFirst();
    return row && { userId: row.user_id, displayName: row.displayname, avatarUrl: row.avatar_url };
  }
}

/** Escapes LIKE wildcards, so a search for `50%` or `a_b` matches those characters literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
