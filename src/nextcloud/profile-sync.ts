/**
 * Copies a Nextcloud account's avatar, email and display name into the Matrix account, as the
 * provider's `sync_profile` allows. Each step logs its own failure and leaves that field as it was.
 */
import { Readable } from 'node:stream';
import type { Logger } from '../logging.js';
import type { UploadInput } from '../media/media-service.js';
import type { DirectoryState, DirectoryStateStore } from '../storage/directory-state.js';
import type { ThreepidStore } from '../storage/threepids.js';
import type { AvatarFetchResult } from './avatar-fetch.js';
import type { DirectoryChange } from './changes.js';

export interface ProfileSyncDeps {
  state: Pick<DirectoryStateStore, 'setAvatar'>;
  threepids: Pick<ThreepidStore, 'replaceFromSource'>;
  /** Stores bytes as Matrix media owned by the user and returns the mxc URI. */
  upload(userId: string, input: UploadInput): Promise<string>;
  /** The profile service's setters, which also refresh the user's member events. */
  profiles: {
    setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void>;
    setDisplayName(userId: string, displayname: string | null): Promise<void>;
  };
  currentProfile(userId: string): Promise<{ avatarUrl: string | null; displayname: string | null } | undefined>;
  logger: Logger;
  now: () => number;
}

export interface AvatarUpdate {
  userId: string;
  providerId: string;
  result: AvatarFetchResult;
  previous: DirectoryState | undefined;
  /**
   * Whether a generated avatar means the user has no picture. True for a read with the user's own
   * token; an anonymous read also gets the placeholder of a private picture, so it proves nothing.
   */
  generatedIsConclusive: boolean;
}

export class ProfileSync {
  constructor(private readonly deps: ProfileSyncDeps) {}

  /**
   * Imports an uploaded picture when its bytes differ from the last import. A picture removed in
   * Nextcloud clears the Matrix avatar, but only while that is still the imported one, so an
   * avatar the user set in Matrix stays.
   */
  async applyAvatar(update: AvatarUpdate): Promise<DirectoryChange[]> {
    const { userId, providerId, result, previous } = update;
    try {
      if (result.kind === 'custom') return await this.importAvatar(update, result);
      if (result.kind === 'generated' && update.generatedIsConclusive && previous?.avatarUrl !== undefined) {
        const current = await this.deps.currentProfile(userId);
        await this.deps.state.setAvatar(providerId, userId, {}, this.deps.now());
        if (current?.avatarUrl !== previous.avatarUrl) return [];
        await this.deps.profiles.setAvatarUrl(userId, null);
        return [{ userId, provider: providerId, change: 'avatar removed' }];
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, userId, provider: providerId }, 'could not import the Nextcloud avatar');
    }
    return [];
  }

  private async importAvatar(update: AvatarUpdate, avatar: Extract<AvatarFetchResult, { kind: 'custom' }>): Promise<DirectoryChange[]> {
    const { userId, providerId, previous } = update;
    if (previous?.avatarSha256 === avatar.sha256) {
      // Nextcloud gives rewritten files a new ETag even when the bytes are the same.
      if (previous.avatarEtag !== avatar.etag) {
        await this.deps.state.setAvatar(providerId, userId, { etag: avatar.etag, sha256: avatar.sha256, url: previous.avatarUrl }, this.deps.now());
      }
      return [];
    }
    const url = await this.deps.upload(userId, {
      body: Readable.from([avatar.bytes]),
      contentType: avatar.contentType,
      fileName: avatar.contentType === 'image/jpeg' ? 'avatar.jpg' : 'avatar.png',
      declaredLength: avatar.bytes.length,
    });
    await this.deps.profiles.setAvatarUrl(userId, url);
    await this.deps.state.setAvatar(providerId, userId, { etag: avatar.etag, sha256: avatar.sha256, url }, this.deps.now());
    this.deps.logger.info({ userId, provider: providerId, avatarUrl: url }, 'avatar imported from Nextcloud');
    return [{ userId, provider: providerId, change: 'avatar updated' }];
  }

  /** Makes the Nextcloud address the user's `email` third-party id from this provider; null or empty removes it. */
  async applyEmail(userId: string, providerId: string, email: string | undefined): Promise<DirectoryChange[]> {
    try {
      const address = email?.trim().toLowerCase() || undefined;
      const changed = await this.deps.threepids.replaceFromSource(userId, 'email', providerId, address, this.deps.now());
      return changed ? [{ userId, provider: providerId, change: address ? 'email updated' : 'email removed' }] : [];
    } catch (error) {
      this.deps.logger.warn({ err: error, userId, provider: providerId }, 'could not store the Nextcloud email address');
      return [];
    }
  }

  async applyDisplayName(userId: string, providerId: string, displayName: string | undefined): Promise<DirectoryChange[]> {
    if (!displayName) return [];
    try {
      const current = await this.deps.currentProfile(userId);
      if (!current || current.displayname === displayName) return [];
      await this.deps.profiles.setDisplayName(userId, displayName);
      return [{ userId, provider: providerId, change: 'display name updated' }];
    } catch (error) {
      this.deps.logger.warn({ err: error, userId, provider: providerId }, 'could not update the display name from Nextcloud');
      return [];
    }
  }
}
