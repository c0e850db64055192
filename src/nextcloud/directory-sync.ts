/**
 * The directory sync: for each Nextcloud provider with `provisioning` set, reads every account
 * mapped to it through the provisioning API and applies what changed. A disabled account, or one
 * outside `allowed_groups`, is locked and later unlocked once that ends. A deleted account is
 * deactivated. Groups and profile are applied as at sign-in. A Nextcloud failure changes nobody,
 * because it says nothing about the account: it is logged, and the next pass tries again.
 */
import type { NextcloudProviderConfig, ProviderConfig } from '../config/schema.js';
import { PROVIDER_TIMEOUT_MS } from '../identity/sso/provider-fetch.js';
import type { Logger } from '../logging.js';
import { fetchAvatar, type AvatarFetchResult } from './avatar-fetch.js';
import type { DirectoryChange } from './changes.js';
import type { NextcloudDirectory } from './directory.js';
import { isAllowedByGroups } from './group-sync.js';
import { ProvisioningClient, type ProvisionedUser } from './provisioning-client.js';

export interface DirectorySyncDeps {
  providers: readonly ProviderConfig[];
  directory: NextcloudDirectory;
  users: {
    listByProvider(providerId: string): Promise<Array<{ userId: string; subject: string }>>;
    get(userId: string): Promise<{ deactivated: boolean; locked: boolean } | undefined>;
    setLocked(userId: string, locked: boolean): Promise<boolean>;
  };
  /** Deletes every device and access token of the user. */
  logoutAll(userId: string): Promise<void>;
  /** Deactivates the user as the admin API does: devices, rooms and profile go. */
  deactivate(userId: string): Promise<void>;
  logger: Logger;
  timeoutMs?: number;
}

export interface SyncReport {
  changes: DirectoryChange[];
  /** Accounts read successfully. */
  checked: number;
  /** Accounts that could not be read and were left as they were. */
  failed: number;
}

export class DirectorySync {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: DirectorySyncDeps) {}

  /** The providers with `provisioning` set. */
  get providers(): NextcloudProviderConfig[] {
    return this.deps.providers.filter((provider): provider is NextcloudProviderConfig => provider.type === 'nextcloud' && provider.provisioning !== undefined);
  }

  /**
   * Runs a pass per provider every `interval_seconds`, the first one interval after start. A pass
   * starts only after the previous one ended.
   * NOTE: every Lattice process sharing one database runs its own passes; they do the same work,
   * which is harmless but repeated.
   */
  start(): void {
    for (const provider of this.providers) {
      this.deps.logger.info({ provider: provider.id, intervalSeconds: provider.provisioning?.interval_seconds }, 'directory sync started');
      this.schedule(provider);
    }
  }

  /** Stops the timers and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    await Promise.all(this.running);
    if (this.providers.length > 0) this.deps.logger.info({}, 'directory sync stopped');
  }

  /** Runs one pass over every provider with `provisioning`, as `lattice sync-directory` does. */
  async runOnce(): Promise<SyncReport> {
    const report: SyncReport = { changes: [], checked: 0, failed: 0 };
    for (const provider of this.providers) {
      const part = await this.syncProvider(provider);
      report.changes.push(...part.changes);
      report.checked += part.checked;
      report.failed += part.failed;
    }
    return report;
  }

  private schedule(provider: NextcloudProviderConfig): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const pass: Promise<unknown> = this.syncProvider(provider)
        .catch((error: unknown) => this.deps.logger.error({ err: error, provider: provider.id }, 'directory sync pass failed; retrying at the next interval'))
        .finally(() => {
          this.running.delete(pass);
          this.schedule(provider);
        });
      this.running.add(pass);
    }, (provider.provisioning?.interval_seconds ?? 0) * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async syncProvider(provider: NextcloudProviderConfig): Promise<SyncReport> {
    const report: SyncReport = { changes: [], checked: 0, failed: 0 };
    if (!provider.provisioning) return report;
    const client = new ProvisioningClient(provider, provider.provisioning, this.timeoutMs);
    const users = await this.deps.users.listByProvider(provider.id);
    this.deps.logger.debug({ provider: provider.id, users: users.length }, 'directory sync pass started');

    for (const { userId, subject } of users) {
      const record = await this.deps.users.get(userId);
      if (!record || record.deactivated) continue;
      const found = await client.readUser(subject);
      if (found.kind === 'unavailable') {
        report.failed += 1;
        this.deps.logger.warn({ provider: provider.id, userId, status: found.status, statusCode: found.statusCode, detail: found.detail }, 'reading a Nextcloud account failed; nothing changed, retrying at the next pass');
        // A rejected admin credential (401, statuscode 997) fails every account the same way.
        if (found.status === 401) break;
        continue;
      }
      report.checked += 1;
      report.changes.push(...(await this.applyUser(provider, userId, subject, record.locked, found)));
    }
    this.deps.logger.info({ provider: provider.id, checked: report.checked, failed: report.failed, changes: report.changes.length }, 'directory sync pass finished');
    return report;
  }

  private async applyUser(
    provider: NextcloudProviderConfig, userId: string, subject: string, locked: boolean, found: Exclude<ProvisionedUser, { kind: 'unavailable' }>,
  ): Promise<DirectoryChange[]> {
    if (found.kind === 'deleted') {
      await this.deps.deactivate(userId);
      this.deps.logger.info({ provider: provider.id, userId }, 'user deactivated because the Nextcloud account was deleted');
      return [{ userId, provider: provider.id, change: 'deactivated' }];
    }
    const config = this.deps.directory.config(provider.id);
    const changes = await this.applyLock(provider.id, userId, locked, !found.enabled || (config !== undefined && !isAllowedByGroups(config, found.groups)));
    const avatar = found.enabled && config?.sync_profile.avatar ? await this.readAvatar(provider, userId, subject) : undefined;
    changes.push(...(await this.deps.directory.apply(userId, provider.id, { ...found, avatar }, 'sync')));
    return changes;
  }

  /**
   * Locks or unlocks the account. Locking deletes every access token, so open sessions end at
   * once, in every process.
   * NOTE: the Matrix spec (v1.12, account locking) recommends keeping the tokens of locked
   * accounts, so that sessions resume after an unlock. Lattice deletes them because disabling a
   * Nextcloud account is how operators take access away from someone.
   */
  private async applyLock(providerId: string, userId: string, locked: boolean, shouldLock: boolean): Promise<DirectoryChange[]> {
    if (locked === shouldLock) return [];
    await this.deps.users.setLocked(userId, shouldLock);
    if (shouldLock) await this.deps.logoutAll(userId);
    this.deps.logger.info({ provider: providerId, userId }, shouldLock ? 'user locked by the directory sync' : 'user unlocked by the directory sync');
    return [{ userId, provider: providerId, change: shouldLock ? 'locked' : 'unlocked' }];
  }

  private async readAvatar(provider: NextcloudProviderConfig, userId: string, subject: string): Promise<AvatarFetchResult | undefined> {
    try {
      return await fetchAvatar(provider.url, subject, undefined, this.timeoutMs);
    } catch (error) {
      this.deps.logger.warn({ provider: provider.id, userId, err: (error as Error).message }, 'reading the Nextcloud avatar failed');
      return undefined;
    }
  }

  private get timeoutMs(): number {
    return this.deps.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  }
}
