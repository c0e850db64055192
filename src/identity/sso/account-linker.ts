/**
 * Finds or creates the Matrix user for a provider account. The stable key is (provider id,
 * subject) in `user_external_ids`. A localpart that is already taken gets a numeric suffix, so a
 * new subject is never merged into an existing account.
 */
import { makeUserId } from '../../core/identifiers.js';
import type { Logger } from '../../logging.js';
import type { UserStore } from '../../storage/users.js';
import { localpartCandidate, mapSubjectToLocalpart, MAX_COLLISION_ATTEMPTS } from '../mapping.js';
import { SsoError } from './errors.js';
import type { ExternalProfile } from './provider.js';

/** Profile changes that SSO sign-in makes; the profile service also updates member events. */
export interface ProfileUpdater {
  setDisplayName(userId: string, displayname: string): Promise<void>;
}

export interface AccountLinkerDeps {
  users: UserStore;
  profiles: ProfileUpdater;
  serverName: string;
  /** Copy the provider's display name to the Matrix profile on every sign-in, not only the first. */
  updateProfileOnLogin: boolean;
  /** Whether the provider's display name is used at all (a Nextcloud provider's `sync_profile.displayname`). */
  usesDisplayName(providerId: string): boolean;
  logger: Logger;
  now: () => number;
}

export interface LinkedAccount {
  userId: string;
  created: boolean;
}

export class AccountLinker {
  constructor(private readonly deps: AccountLinkerDeps) {}

  /**
   * Returns the user linked to the subject, creating it on first sign-in. Throws SsoError
   * `account_deactivated` for a deactivated user, `account_locked` for a locked one and
   * `no_free_localpart` when every candidate localpart is taken.
   */
  async findOrCreate(providerId: string, profile: ExternalProfile, requestId: string): Promise<LinkedAccount> {
    const named = this.deps.usesDisplayName(providerId) ? profile : { ...profile, displayName: undefined };
    const existing = await this.deps.users.findByExternalId(providerId, profile.subject);
    if (existing) {
      await this.refreshExisting(existing, named);
      return { userId: existing, created: false };
    }
    return this.create(providerId, named, requestId);
  }

  private async refreshExisting(userId: string, profile: ExternalProfile): Promise<void> {
    const record = await this.deps.users.get(userId);
    if (record?.deactivated) throw new SsoError('account_deactivated', `${userId} is deactivated`);
    if (record?.locked) throw new SsoError('account_locked', `${userId} is locked by the directory sync`);
    const name = profile.displayName;
    if (this.deps.updateProfileOnLogin && name && record && record.displayname !== name) {
      await this.deps.profiles.setDisplayName(userId, name);
    }
  }

  private async create(providerId: string, profile: ExternalProfile, requestId: string): Promise<LinkedAccount> {
    const base = this.baseLocalpart(profile.localpartSource);
    for (let attempt = 0; attempt < MAX_COLLISION_ATTEMPTS; attempt += 1) {
      const localpart = localpartCandidate(base, attempt, this.deps.serverName);
      const userId = makeUserId(localpart, this.deps.serverName);
      const user = { userId, localpart, displayname: profile.displayName ?? null };
      if (await this.tryCreate(user, providerId, profile.subject)) {
        this.deps.logger.info({ userId, provider: providerId, collisions: attempt, requestId }, 'user created');
        return { userId, created: true };
      }
      // A parallel callback for the same subject may have created the user meanwhile.
      const linked = await this.deps.users.findByExternalId(providerId, profile.subject);
      if (linked) return { userId: linked, created: false };
    }
    throw new SsoError('no_free_localpart', `localparts "${base}" to "${base}${MAX_COLLISION_ATTEMPTS - 1}" are all taken`);
  }

  /** Returns false when the localpart is taken, or the subject was linked by a parallel request. */
  private async tryCreate(user: { userId: string; localpart: string; displayname: string | null }, providerId: string, subject: string): Promise<boolean> {
    try {
      return await this.deps.users.createWithExternalId(user, providerId, subject, this.deps.now());
    } catch (error) {
      if (await this.deps.users.findByExternalId(providerId, subject)) return false;
      throw error;
    }
  }

  private baseLocalpart(source: string): string {
    try {
      return mapSubjectToLocalpart(source, this.deps.serverName);
    } catch (error) {
      throw new SsoError('subject_missing', (error as Error).message, { cause: error });
    }
  }
}
