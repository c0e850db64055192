import { MatrixError } from '../core/errors.js';
import type { UserRecord, UserStore } from '../storage/users.js';

/**
 * Decides who is a server admin, the same way for SSO and local users: a user is an admin when
 * the config's `admins` list names it, its database flag is set (`register-user --admin`, the
 * admin API), or a Nextcloud group of a provider's `admin_groups` makes it one; and it is not
 * deactivated. Signing in first grants nothing. The group flag is set and cleared only by sign-in
 * and the directory sync, so leaving the group revokes it without touching the other two.
 */
export class AdminPolicy {
  private readonly configAdmins: ReadonlySet<string>;

  constructor(
    private readonly users: UserStore,
    configAdmins: readonly string[],
  ) {
    this.configAdmins = new Set(configAdmins);
  }

  /** Whether the record is an admin; for responses that already hold the record. */
  isAdminRecord(record: UserRecord): boolean {
    return !record.deactivated && (record.isAdmin || record.groupAdmin || this.configAdmins.has(record.userId));
  }

  /** Whether the config's `admins` list names the user, which the admin API cannot undo. */
  isConfigAdmin(userId: string): boolean {
    return this.configAdmins.has(userId);
  }

  /** Throws 403 M_FORBIDDEN unless the user is a server admin. */
  async requireAdmin(userId: string): Promise<void> {
    const record = await this.users.get(userId);
    if (!record || !this.isAdminRecord(record)) {
      throw new MatrixError('M_FORBIDDEN', 'You are not a server admin.');
    }
  }
}
