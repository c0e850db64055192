import { sql } from 'kysely';
import type { Db } from './database.js';

export interface UserRecord {
  userId: string;
  localpart: string;
  passwordHash: string | null;
  isAdmin: boolean;
  deactivated: boolean;
  displayname: string | null;
  avatarUrl: string | null;
  createdTs: number;
  /** Locked by the directory sync while the Nextcloud account is disabled or outside `allowed_groups`; sign-in and login are rejected. */
  locked: boolean;
  /** A server admin through a Nextcloud admin group, apart from `isAdmin`. */
  groupAdmin: boolean;
}

export interface UserListQuery {
  offset: number;
  limit: number;
  name?: string;
  includeDeactivated: boolean;
}

export interface NewUser {
  userId: string;
  localpart: string;
  passwordHash?: string | null;
  displayname?: string | null;
  isAdmin?: boolean;
}

/** Accounts, their profiles and the identity-provider subjects mapped to them. */
export class UserStore {
  constructor(private readonly db: Db) {}

  async get(userId: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && toUserRecord(row);
  }

  async localpartTaken(localpart: string): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('user_id').where('localpart', '=', localpart).executeTakeFirst();
    return row !== undefined;
  }

  /** Inserts a user; returns false without writing when the user id or localpart already exists. */
  async create(user: NewUser, now: number): Promise<boolean> {
    const result = await this.db.insertInto('users')
      .values({
        user_id: user.userId,
        localpart: user.localpart,
        password_hash: user.passwordHash ?? null,
        is_admin: user.isAdmin ? 1 : 0,
        deactivated: 0,
        displayname: user.displayname ?? null,
        avatar_url: null,
        created_ts: now,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Inserts a user and links it to a provider subject in one transaction. Returns false, writing
   * nothing, when the localpart is taken; a subject that is already linked makes it throw.
   */
  async createWithExternalId(user: NewUser, providerId: string, subject: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('users').select('user_id')
        .where((eb) => eb.or([eb('localpart', '=', user.localpart), eb('user_id', '=', user.userId)]))
        .executeTakeFirst();
      if (taken) return false;
      await trx.insertInto('users').values({
        user_id: user.userId,
        localpart: user.localpart,
        password_hash: null,
        is_admin: user.isAdmin ? 1 : 0,
        deactivated: 0,
        displayname: user.displayname ?? null,
        avatar_url: null,
        created_ts: now,
      }).execute();
      await trx.insertInto('user_external_ids')
        .values({ provider_id: providerId, subject, user_id: user.userId, created_ts: now })
        .execute();
      return true;
    });
  }

  async findByExternalId(providerId: string, subject: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('user_external_ids').select('user_id')
      .where('provider_id', '=', providerId).where('subject', '=', subject)
      .executeTakeFirst();
    return row?.user_id;
  }

  async setDisplayname(userId: string, displayname: string | null): Promise<void> {
    await this.db.updateTable('users').set({ displayname }).where('user_id', '=', userId).execute();
  }

  async setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void> {
    await this.db.updateTable('users').set({ avatar_url: avatarUrl }).where('user_id', '=', userId).execute();
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('user_id', '=', userId).execute();
  }

  async setAdmin(userId: string, isAdmin: boolean): Promise<void> {
    await this.db.updateTable('users').set({ is_admin: isAdmin ? 1 : 0 }).where('user_id', '=', userId).execute();
  }

  /** Marks the user deactivated (or active again); returns false when no such user exists. */
  async setDeactivated(userId: string, deactivated: boolean): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ deactivated: deactivated ? 1 : 0 })
      .where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Sets or clears the lock; returns false when no such user exists. */
  async setLocked(userId: string, locked: boolean): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ locked: locked ? 1 : 0 })
      .where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setGroupAdmin(userId: string, groupAdmin: boolean): Promise<void> {
    await this.db.updateTable('users').set({ group_admin: groupAdmin ? 1 : 0 }).where('user_id', '=', userId).execute();
  }

  /** Lists the users linked to subjects of one provider, ordered by user id. */
  async listByProvider(providerId: string): Promise<Array<{ userId: string; subject: string }>> {
    const rows = await this.db.selectFrom('user_external_ids').select(['user_id', 'subject'])
      .where('provider_id', '=', providerId).orderBy('user_id').execute();
    return rows.map((row) => ({ userId: row.user_id, subject: row.subject }));
  }

  /**
   * Returns one page of users ordered by user id, and the number of users matching the filter.
   * `name` matches the user id or display name as a case-insensitive substring.
   */
  async list(query: UserListQuery): Promise<{ users: UserRecord[]; total: number }> {
    let select = this.db.selectFrom('users');
    if (!query.includeDeactivated) select = select.where('deactivated', '=', 0);
    if (query.name) {
      // ESCAPE is explicit because SQLite, unlike PostgreSQL, has no default escape character.
      const pattern = likePattern(query.name);
      select = select.where(sql<boolean>`(lower(user_id) like ${pattern} escape '\\' or lower(displayname) like ${pattern} escape '\\')`);
    }
    const counted = await select.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst();
    const rows = await select.selectAll().orderBy('user_id').limit(query.limit).offset(query.offset).execute();
    return { users: rows.map(toUserRecord), total: Number(counted?.total ?? 0) };
  }

  /** The provider subjects linked to the user, for the admin API's `external_ids`. */
  async listExternalIds(userId: string): Promise<Array<{ providerId: string; subject: string }>> {
    const rows = await this.db.selectFrom('user_external_ids').select(['provider_id', 'subject'])
      .where('user_id', '=', userId).orderBy('provider_id').execute();
    return rows.map((row) => ({ providerId: row.provider_id, subject: row.subject }));
  }

  /** Returns users whose id or display name contains the term, case-insensitively. */
  async search(term: string, limit: number): Promise<UserRecord[]> {
    const pattern = likePattern(term);
    const rows = await this.db.selectFrom('users').selectAll()
      .where('deactivated', '=', 0)
      // ESCAPE is explicit because SQLite, unlike PostgreSQL, has no default escape character.
      .where(sql<boolean>`(lower(user_id) like ${pattern} escape '\\' or lower(displayname) like ${pattern} escape '\\')`)
      .orderBy('user_id')
      .limit(limit)
      .execute();
    return rows.map(toUserRecord);
  }
}

/** A LIKE pattern matching the term anywhere, with LIKE's wildcards escaped. */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toUserRecord(row: {
  user_id: string; localpart: string; password_hash: string | null; is_admin: number; deactivated: number;
  displayname: string | null; avatar_url: string | null; created_ts: number; locked: number; group_admin: number;
}): UserRecord {
  return {
    userId: row.user_id,
    localpart: row.localpart,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin === 1,
    deactivated: row.deactivated === 1,
    displayname: row.displayname,
    avatarUrl: row.avatar_url,
    createdTs: Number(row.created_ts),
    locked: Number(row.locked) === 1,
    groupAdmin: Number(row.group_admin) === 1,
  };
}
