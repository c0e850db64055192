/**
 * Nextcloud as the directory of the chat server: the group rule at sign-in, and the groups and
 * profile applied after each sign-in and each directory sync.
 */
import { nextcloudDirectory } from '../config/nextcloud.js';
import type { NextcloudDirectoryConfig, ProviderConfig } from '../config/schema.js';
import { SsoError } from '../identity/sso/errors.js';
import type { ExternalProfile } from '../identity/sso/provider.js';
import type { SignInDirectory } from '../identity/sso/service.js';
import type { Logger } from '../logging.js';
import type { DirectoryStateStore } from '../storage/directory-state.js';
import type { AvatarFetchResult } from './avatar-fetch.js';
import type { DirectoryChange } from './changes.js';
import { isAllowedByGroups, type GroupSync } from './group-sync.js';
import type { ProfileSync } from './profile-sync.js';

/** The account data that one read of the directory returns. */
export interface DirectoryRecord {
  groups: string[];
  displayName: string | undefined;
  email: string | undefined;
  avatar: AvatarFetchResult | undefined;
}

export interface NextcloudDirectoryDeps {
  providers: readonly ProviderConfig[];
  /** `sso.update_profile_on_login`: display-name changes after the first sign-in follow only when set. */
  updateProfileOnLogin: boolean;
  state: Pick<DirectoryStateStore, 'get' | 'setGroups'>;
  groups: GroupSync;
  profiles: ProfileSync;
  logger: Logger;
  now: () => number;
}

export class NextcloudDirectory implements SignInDirectory {
  private readonly configs: Map<string, NextcloudDirectoryConfig>;

  constructor(private readonly deps: NextcloudDirectoryDeps) {
    this.configs = new Map(deps.providers.flatMap((provider) => (provider.type === 'nextcloud' ? [[provider.id, nextcloudDirectory(provider)]] : [])));
  }

  /** Returns the settings of a Nextcloud provider, or undefined for other providers. */
  config(providerId: string): NextcloudDirectoryConfig | undefined {
    return this.configs.get(providerId);
  }

  checkAccess(providerId: string, profile: ExternalProfile): void {
    const config = this.configs.get(providerId);
    if (!config || profile.groups === undefined || isAllowedByGroups(config, profile.groups)) return;
    throw new SsoError('group_not_allowed', `${profile.subject} is in none of the allowed groups (${config.allowed_groups?.join(', ') ?? ''})`);
  }

  async afterSignIn(userId: string, providerId: string, profile: ExternalProfile, requestId: string): Promise<void> {
    if (!this.configs.has(providerId) || profile.groups === undefined) return;
    const record = { groups: profile.groups, displayName: undefined, email: profile.email, avatar: profile.avatar };
    try {
      const changes = await this.apply(userId, providerId, record, 'sign-in');
      if (changes.length > 0) this.deps.logger.info({ userId, provider: providerId, requestId, changes: changes.map((item) => item.change) }, 'directory applied at sign-in');
    } catch (error) {
      this.deps.logger.error({ err: error, userId, provider: providerId, requestId }, 'applying the Nextcloud directory at sign-in failed');
    }
  }

  /**
   * Applies groups and profile. At sign-in the display name is left to the account linker, the
   * user is put in the rooms of all current groups, and a generated avatar (read with the user's
   * own token) means the picture was removed. A sync reads anonymously and acts on changes only.
   */
  async apply(userId: string, providerId: string, record: DirectoryRecord, source: 'sign-in' | 'sync'): Promise<DirectoryChange[]> {
    const config = this.configs.get(providerId);
    if (!config) return [];
    const previous = await this.deps.state.get(providerId, userId);
    const changes = await this.deps.groups.apply({
      userId, providerId, config, groups: record.groups, previous: previous?.groups, allRooms: source === 'sign-in',
    });
    await this.deps.state.setGroups(providerId, userId, record.groups, this.deps.now());

    const sync = config.sync_profile;
    if (sync.displayname && this.deps.updateProfileOnLogin && source === 'sync') {
      changes.push(...(await this.deps.profiles.applyDisplayName(userId, providerId, record.displayName)));
    }
    if (sync.email) changes.push(...(await this.deps.profiles.applyEmail(userId, providerId, record.email)));
    if (sync.avatar && record.avatar) {
      changes.push(...(await this.deps.profiles.applyAvatar({
        userId, providerId, result: record.avatar, previous, generatedIsConclusive: source === 'sign-in',
      })));
    }
    return changes;
  }
}

