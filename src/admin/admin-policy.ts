import { MatrixError } from '../core/errors.js';
import type { UserRecord, UserStore } from '../storage/users.js';

/**
 * Decides who is a server admin, the same way for SSO and local users. A user who is not
 * deactivated is an admin when the config's `admins` list names it, when its database flag is set
 * (`register-user --admin`, the admin API), or when it is in a Nextcloud group of a provider's
 * `admin_groups`. Signing in first grants nothing. Only sign-in and the directory sync set and
 * clear the group flag, so leaving the group revokes it without touching the other two.
 * NOTE: the admin API's `admin: false` clears only the database flag; a group admin stays one.
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
