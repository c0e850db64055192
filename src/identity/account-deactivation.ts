import type { AuthSubmission } from '../e2ee/uia.js';
import type { Logger } from '../logging.js';

export interface AccountDeactivationDeps {
  /** Completes user-interactive auth, or throws UiaRequired with the next challenge. */
  requireAuth(userId: string, purpose: string, auth: AuthSubmission | undefined): Promise<void>;
  /** Marks the account deactivated, signs out its devices, leaves its rooms and clears its profile. */
  deactivate(userId: string): Promise<void>;
  /** Deletes the user's account data and returns how many entries there were. */
  deleteAccountData(userId: string): Promise<number>;
  /** Deletes the user's third-party ids and returns how many there were. */
  deleteThreepids(userId: string): Promise<number>;
  logger: Logger;
}

/** Deactivation that the account's own user requests through `POST /account/deactivate`. */
export class AccountDeactivation {
  constructor(private readonly deps: AccountDeactivationDeps) {}

  /**
   * Deactivates the account after user-interactive auth. With `erase`, it also deletes the
   * account data and third-party ids, which the spec names as the data to erase besides events.
   * NOTE: `erase` leaves the user's events as they are, so users who join a room later still see
   * them unredacted, where the spec calls for redacted copies.
   */
  async deactivate(userId: string, auth: AuthSubmission | undefined, erase: boolean): Promise<void> {
    await this.deps.requireAuth(userId, 'deactivate-account', auth);
    await this.deps.deactivate(userId);
    if (!erase) return;

    const accountData = await this.deps.deleteAccountData(userId);
    const threepids = await this.deps.deleteThreepids(userId);
    this.deps.logger.info({ userId, accountData, threepids }, 'account data and third-party ids erased at deactivation');
  }
}
