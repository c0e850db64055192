/** The contract every identity provider type (Nextcloud, OIDC) implements for the SSO service. */
import type { AvatarFetchResult } from '../../nextcloud/avatar-fetch.js';
import type { PendingSignIn } from './state-cookie.js';

/** Account details a provider returns for the signed-in user. */
export interface ExternalProfile {
  /** Stable account key at the provider; with the provider id it identifies the Matrix user. */
  subject: string;
  /** Value the new user's localpart is mapped from; often the subject itself. */
  localpartSource: string;
  displayName: string | undefined;
  email: string | undefined;
  /** Group ids at the provider; undefined for providers that do not report groups. */
  groups?: string[];
  /** The account's picture, read with the user's own token; undefined when not read. */
  avatar?: AvatarFetchResult;
}

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  /** Base64url SHA-256 of the PKCE code verifier. */
  codeChallenge: string;
  /** The callback URL registered at the provider. */
  redirectUri: string;
}

export interface IdentityProvider {
  readonly id: string;
  readonly name: string;
  /** Builds the URL the browser is sent to. Throws SsoError when the provider cannot be reached. */
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /**
   * Redeems the `code` of a callback whose state was already checked and reads the account's
   * profile. Throws SsoError for every failure.
   */
  fetchProfile(callback: URLSearchParams, pending: PendingSignIn, redirectUri: string): Promise<ExternalProfile>;
}
