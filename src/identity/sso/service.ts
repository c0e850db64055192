/**
 * Single sign-on through Nextcloud and OIDC providers: starts a sign-in by sending the browser to a
 * provider, and finishes it on the provider's callback by minting a login token for the client's
 * `redirectUrl`. Failures of a sign-in are logged here once and returned as outcomes, so the HTTP
 * layer only renders them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LatticeConfig, ProviderConfig } from '../../config/schema.js';
import { MatrixError } from '../../core/errors.js';
import type { Logger } from '../../logging.js';
import type { UserStore } from '../../storage/users.js';
import type { AccountService } from '../accounts.js';
import { AccountLinker, type ProfileUpdater } from './account-linker.js';
import { SsoError } from './errors.js';
import { NextcloudProvider } from './nextcloud.js';
import { OidcProvider } from './oidc.js';
import type { ExternalProfile, IdentityProvider } from './provider.js';
import { nextcloudDirectory } from '../../config/nextcloud.js';
import { addLoginToken, checkClientRedirectUrl, isAllowlisted } from './redirect-url.js';
import { constantTimeEqual, openPendingSignIn, sealPendingSignIn, type PendingSignIn } from './state-cookie.js';

export type { ProfileUpdater };

export interface SsoServiceDeps {
  config: Pick<LatticeConfig, 'server_name' | 'public_baseurl' | 'sso'>;
  users: UserStore;
  accounts: AccountService;
  profiles: ProfileUpdater;
  /** Group rules and profile import around each sign-in; none when undefined. */
  directory?: SignInDirectory;
  logger: Logger;
  /** Key for the HMAC of the SSO state cookie. */
  cookieSecret: Buffer;
  /** Milliseconds since the Unix epoch; tests may pass a fixed clock. */
  now?: () => number;
}

/** Directory steps around a sign-in: Nextcloud's group rule, groups and profile. */
export interface SignInDirectory {
  /** Throws SsoError `group_not_allowed` when the provider's group rule rejects the account; runs before anything is created. */
  checkAccess(providerId: string, profile: ExternalProfile): void;
  /** Applies groups and profile to the linked user; logs its own failures and never throws. */
  afterSignIn(userId: string, providerId: string, profile: ExternalProfile, requestId: string): Promise<void>;
}

/** Outcome of `/login/sso/redirect`. */
export type SignInStart =
  | { kind: 'redirect'; location: string; stateCookie: string }
  | { kind: 'picker'; providers: Array<{ id: string; name: string }>; redirectUrl: string }
  | { kind: 'failed'; status: number; message: string };

/** Outcome of the provider's callback. */
export type SignInFinish =
  | { kind: 'redirect'; location: string }
  | { kind: 'confirm'; location: string; clientHost: string }
  | { kind: 'failed'; status: number; message: string };

/** Path of the callback registered at providers; `/_synapse/oidc/callback` is served as well. */
export const CALLBACK_PATH = '_synapse/client/oidc/callback';
const UNKNOWN_PROVIDER_NAME = 'The identity provider';

export class SsoService {
  private readonly providers: Map<string, IdentityProvider>;
  private readonly linker: AccountLinker;
  private readonly now: () => number;

  constructor(readonly deps: SsoServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.providers = new Map(deps.config.sso.providers.map((config) => [config.id, createProvider(config, this.now, deps.logger)]));
    this.linker = new AccountLinker({
      users: deps.users,
      profiles: deps.profiles,
      serverName: deps.config.server_name,
      updateProfileOnLogin: deps.config.sso.update_profile_on_login,
      usesDisplayName: (providerId) => usesDisplayName(deps.config.sso.providers.find((config) => config.id === providerId)),
      logger: deps.logger,
      now: this.now,
    });
  }

  /** The callback URL this server serves and providers must have registered. */
  get callbackUrl(): string {
    return `${this.deps.config.public_baseurl}${CALLBACK_PATH}`;
  }

  /** Whether the state cookie needs the Secure attribute, because the server is reached over HTTPS. */
  get secureCookies(): boolean {
    return this.deps.config.public_baseurl.startsWith('https:');
  }

  /**
   * Starts a sign-in. Throws MatrixError for a missing or invalid `redirectUrl` (400) and for an
   * unknown provider id (404). Without a provider id and with several providers, it returns a picker.
   */
  async startSignIn(providerId: string | undefined, redirectUrlParam: string | undefined, requestId: string): Promise<SignInStart> {
    const redirectUrl = checkClientRedirectUrl(redirectUrlParam);
    const provider = this.chooseProvider(providerId);
    if (!provider) {
      return { kind: 'picker', providers: [...this.providers.values()].map(({ id, name }) => ({ id, name })), redirectUrl };
    }

    const pending: PendingSignIn = {
      state: randomBytes(24).toString('base64url'),
      codeVerifier: randomPkceCodeVerifier(),
      nonce: randomBytes(24).toString('base64url'),
      providerId: provider.id,
      redirectUrl,
      issuedAt: this.now(),
    };
    try {
      const url = await provider.authorizationUrl({
        state: pending.state,
        nonce: pending.nonce,
        codeChallenge: pkceS256Challenge(pending.codeVerifier),
        redirectUri: this.callbackUrl,
      });
      this.deps.logger.debug({ provider: provider.id, requestId }, 'sign-in started');
      return { kind: 'redirect', location: url.href, stateCookie: sealPendingSignIn(pending, this.deps.cookieSecret) };
    } catch (error) {
      return this.failure(toSsoError(error), provider, requestId);
    }
  }

  /**
   * Finishes a sign-in on the provider's callback: checks the state cookie and `state`, redeems the
   * code, finds or creates the user and mints a login token. Every failure is logged and returned;
   * a failed sign-in creates no user and no token.
   */
  async finishSignIn(query: URLSearchParams, stateCookie: string | undefined, requestId: string): Promise<SignInFinish> {
    let provider: IdentityProvider | undefined;
    let userId: string | undefined;
    try {
      const pending = openPendingSignIn(stateCookie, this.deps.cookieSecret, this.now());
      provider = this.providers.get(pending.providerId);
      if (!provider) throw new SsoError('state_cookie_invalid', `the state cookie names provider "${pending.providerId}", which is not configured`);
      checkCallbackState(query, pending);

      const profile = await provider.fetchProfile(query, pending, this.callbackUrl);
      this.deps.directory?.checkAccess(provider.id, profile);
      const account = await this.linker.findOrCreate(provider.id, profile, requestId);
      userId = account.userId;
      await this.deps.directory?.afterSignIn(account.userId, provider.id, profile, requestId);
      const loginToken = await this.deps.accounts.issueLoginToken(account.userId);
      this.deps.logger.info({ userId, provider: provider.id, newUser: account.created, requestId }, 'sign-in succeeded');
      return this.finalRedirect(pending.redirectUrl, loginToken);
    } catch (error) {
      return this.failure(toSsoError(error), provider, requestId, userId);
    }
  }

  private finalRedirect(redirectUrl: string, loginToken: string): SignInFinish {
    const location = addLoginToken(redirectUrl, loginToken);
    if (isAllowlisted(redirectUrl, this.deps.config.sso.client_allowlist)) return { kind: 'redirect', location };
    return { kind: 'confirm', location, clientHost: new URL(redirectUrl).host };
  }

  /** Returns undefined when the caller should pick; throws M_NOT_FOUND for an unknown id or no providers. */
  private chooseProvider(providerId: string | undefined): IdentityProvider | undefined {
    if (providerId !== undefined) {
      const provider = this.providers.get(providerId);
      if (!provider) throw new MatrixError('M_NOT_FOUND', `No identity provider has the id "${providerId}"; GET /login lists the configured ones.`);
      return provider;
    }
    if (this.providers.size === 0) throw new MatrixError('M_NOT_FOUND', 'This server has no identity providers configured; sign in with a password.');
    return this.providers.size === 1 ? [...this.providers.values()][0] : undefined;
  }

  private failure(error: SsoError, provider: IdentityProvider | undefined, requestId: string, userId?: string): { kind: 'failed'; status: number; message: string } {
    const fields = { reason: error.reason, detail: error.detail, provider: provider?.id, userId, requestId };
    if (error.reason === 'internal_error') this.deps.logger.error({ ...fields, err: error.cause }, 'sign-in failed');
    else this.deps.logger.warn(fields, 'sign-in failed');
    return { kind: 'failed', status: error.status, message: error.userMessage(provider?.name ?? UNKNOWN_PROVIDER_NAME) };
  }
}

function createProvider(config: ProviderConfig, now: () => number, logger: Logger): IdentityProvider {
  return config.type === 'nextcloud' ? new NextcloudProvider(config, logger) : new OidcProvider(config, now);
}

/** A Nextcloud provider's `sync_profile.displayname` can turn the display name off; OIDC providers always use it. */
function usesDisplayName(config: ProviderConfig | undefined): boolean {
  return config?.type !== 'nextcloud' || nextcloudDirectory(config).sync_profile.displayname;
}

/** Checks `state` first, then the provider's `error`, so only a reply to this browser's sign-in is believed. */
function checkCallbackState(query: URLSearchParams, pending: PendingSignIn): void {
  const state = query.get('state');
  if (state === null || state === '') throw new SsoError('state_mismatch', 'the callback has no "state" parameter');
  if (!constantTimeEqual(state, pending.state)) throw new SsoError('state_mismatch', 'the callback "state" differs from the one in the state cookie');

  const error = query.get('error');
  if (error === null) return;
  const description = query.get('error_description');
  const detail = `the provider returned error "${error}"${description ? `: ${description}` : ''}`;
  throw new SsoError(error === 'access_denied' ? 'provider_denied' : 'provider_error', detail);
}

/**
 * Returns a PKCE code verifier: 32 random bytes in unpadded base64url, 43 characters (RFC 7636,
 * section 4.1). It is built here rather than with openid-client, which Nextcloud sign-ins do not load.
 */
function randomPkceCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** Returns the S256 code challenge of a verifier, BASE64URL(SHA256(verifier)) (RFC 7636, section 4.2). */
function pkceS256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Anything not already an SsoError is an unexpected fault of this server, such as a database error. */
function toSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  return new SsoError('internal_error', `unexpected error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
