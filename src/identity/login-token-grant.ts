import type { AuthSubmission } from '../e2ee/uia.js';
import { LOGIN_TOKEN_LIFETIME_MS } from './accounts.js';

export interface LoginTokenGrantDeps {
  /** Completes user-interactive auth, or throws UiaRequired with the next challenge. */
  requireAuth(userId: string, purpose: string, auth: AuthSubmission | undefined): Promise<void>;
  issueLoginToken(userId: string): Promise<string>;
}

/** The body of `POST /login/get_token`. */
export interface GrantedLoginToken {
  login_token: string;
  expires_in_ms: number;
}

/** The UIA purpose of a login token request, which the SSO fallback page describes to the user. */
const LOGIN_TOKEN_PURPOSE = 'get-login-token';

/**
 * Issues login tokens that a signed-in user hands to a new device, which exchanges it through
 * `m.login.token`. Each grant needs its own user-interactive auth, because the spec requires
 * the server to re-prompt every time, and the UIA sessions here end once they complete.
 */
export class LoginTokenGrant {
  constructor(private readonly deps: LoginTokenGrantDeps) {}

  async grant(userId: string, auth: AuthSubmission | undefined): Promise<GrantedLoginToken> {
    await this.deps.requireAuth(userId, LOGIN_TOKEN_PURPOSE, auth);
    const token = await this.deps.issueLoginToken(userId);
    return { login_token: token, expires_in_ms: LOGIN_TOKEN_LIFETIME_MS };
  }
}
