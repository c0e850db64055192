import type { Db } from './database.js';

/** What was last seen of a user at an identity provider's directory. */
export interface DirectoryState {
  /** Group ids, or undefined when no sign-in or sync has read them yet. */
  groups: string[] | undefined;
  avatarEtag: string | undefined;
  avatarSha256: string | undefined;
  /** The mxc URI of the last avatar imported from the provider. */
  avatarUrl: string | undefined;
}

/** Per user and provider: the last groups and avatar seen, so later passes act only on changes. */
export class DirectoryStateStore {
  constructor(private readonly db: Db) {}

  async get(providerId: string, userId: string): Promise<DirectoryState | undefined> {
    const row = await this.db.selectFrom('user_directory_state').selectAll()
      .where('provider_id', '=', providerId).where('user_id', '=', userId).executeTakeFirst();
    if (!row) return undefined;
    return {
      groups: row.groups_json === null ? undefined : parseGroups(row.groups_json),
      avatarEtag: row.avatar_etag ?? undefined,
      avatarSha256: row.avatar_sha256 ?? undefined,
      avatarUrl: row.avatar_url ?? undefined,
    };
  }

  async setGroups(providerId: string, userId: string, groups: readonly string[], now: number): Promise<void> {
    await this.upsert(providerId, userId, { groups_json: JSON.stringify(groups) }, now);
  }

  async setAvatar(providerId: string, userId: string, avatar: { etag?: string; sha256?: string; url?: string }, now: number): Promise<void> {
    await this.upsert(providerId, userId, {
      avatar_etag: avatar.etag ?? null,
      avatar_sha256: avatar.sha256 ?? null,
      avatar_url: avatar.url ?? null,
    }, now);
  }

  private async upsert(
    providerId: string, userId: string,
    values: { groups_json?: string; avatar_etag?: string | null; avatar_sha256?: string | null; avatar_url?: string | null }, now: number,
  ): Promise<void> {
    await this.db.insertInto('user_directory_state')
      .values({ provider_id: providerId, user_id: userId, updated_ts: now, ...values })
      .onConflict((oc) => oc.columns(['provider_id', 'user_id']).doUpdateSet({ ...values, updated_ts: now }))
      .execute();
  }
}

/** Returns the group ids of a stored row; a row that is not a list of strings counts as none read. */
function parseGroups(json: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}
