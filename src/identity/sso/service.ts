import type { LatticeConfig } from '../../config/schema.js';
import type { Logger } from '../../logging.js';
import type { UserStore } from '../../storage/users.js';
import type { AccountService } from '../accounts.js';

/** Profile changes that SSO sign-in makes; the profile service also updates member events. */
export interface ProfileUpdater {
  setDisplayName(userId: string, displayname: string): Promise<void>;
}

export interface SsoServiceDeps {
  config: Pick<LatticeConfig, 'server_name' | 'public_baseurl' | 'sso'>;
  users: UserStore;
  accounts: AccountService;
  profiles: ProfileUpdater;
  logger: Logger;
  /** Key for the HMAC of the SSO state cookie. */
  cookieSecret: Buffer;
}

/** Single sign-on through Nextcloud and OIDC providers. */
export class SsoService {
  constructor(readonly deps: SsoServiceDeps) {}
}
