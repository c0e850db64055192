/**
 * Sign-in through Nextcloud's built-in `oauth2` app, which speaks plain OAuth2 (no id_token): the
 * authorization code is redeemed for an access token, and the OCS endpoint `cloud/user` names the
 * account and its groups. The access token is a full-power app password of the user. It is used
 * for that call and the avatar, then revoked, and never stored or logged.
 */
import { nextcloudDirectory } from '../../config/nextcloud.js';
import type { NextcloudProviderConfig } from '../../config/schema.js';
import type { Logger } from '../../logging.js';
import { fetchAvatar, type AvatarFetchResult } from '../../nextcloud/avatar-fetch.js';
import { SsoError } from './errors.js';
import type { AuthorizationRequest, ExternalProfile, IdentityProvider } from './provider.js';
import { fetchJson, isRecord, PROVIDER_TIMEOUT_MS } from './provider-fetch.js';
import type { PendingSignIn } from './state-cookie.js';

export class NextcloudProvider implements IdentityProvider {
  readonly id: string;
  readonly name: string;

  constructor(
    private readonly config: NextcloudProviderConfig,
    private readonly logger: Logger,
    private readonly timeoutMs = PROVIDER_TIMEOUT_MS,
  ) {
    this.id = config.id;
    this.name = config.name;
  }

  /**
   * Sends both PKCE parameters: Nextcloud 34.0.1 ignores them, and newer releases refuse a
   * challenge without `S256`. Nextcloud also ignores `redirect_uri` and returns to the one URI
   * registered for the client, so that registration must name the callback this server serves.
   */
  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const url = new URL(`${this.config.url}/index.php/apps/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.config.client_id,
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url;
  }

  async fetchProfile(callback: URLSearchParams, pending: PendingSignIn, redirectUri: string): Promise<ExternalProfile> {
    const code = callback.get('code');
    if (!code) throw new SsoError('callback_parameters_missing', 'the callback has no "code" parameter');
    const accessToken = await this.redeemCode(code, pending.codeVerifier, redirectUri);
    let profile: ExternalProfile | undefined;
    try {
      profile = await this.fetchUser(accessToken);
      if (nextcloudDirectory(this.config).sync_profile.avatar) profile.avatar = await this.fetchOwnAvatar(accessToken, profile.subject);
      return profile;
    } finally {
      // Every grant is an app password in the user's Nextcloud security settings. Revoking it
      // after the last call that needs it keeps that list from growing by one per sign-in.
      await this.revoke(accessToken, profile?.subject);
    }
  }

  /**
   * Reads the avatar with the user's own token, which is the only way to see a private one.
   * A failure is logged and leaves the avatar as it was; it never fails the sign-in.
   */
  private async fetchOwnAvatar(accessToken: string, subject: string): Promise<AvatarFetchResult | undefined> {
    try {
      const result = await fetchAvatar(this.config.url, subject, `Bearer ${accessToken}`, this.timeoutMs);
      if (result.kind === 'failed') this.logger.warn({ provider: this.id, subject, status: result.status }, 'reading the Nextcloud avatar failed');
      return result;
    } catch (error) {
      this.logger.warn({ provider: this.id, subject, err: describeError(error) }, 'reading the Nextcloud avatar failed');
      return undefined;
    }
  }

  /**
   * Revokes the app password behind the token: `DELETE /ocs/v2.php/core/apppassword`. A 401 means
   * the token is already dead, which is the aim. Any other failure is logged and does not fail
   * the sign-in.
   */
  private async revoke(accessToken: string, subject: string | undefined): Promise<void> {
    const url = new URL(`${this.config.url}/ocs/v2.php/core/apppassword?format=json`);
    try {
      const response = await fetchJson(url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${accessToken}`, 'ocs-apirequest': 'true', accept: 'application/json' },
      }, 'Nextcloud app password revocation', this.timeoutMs);
      const statusCode = ocsStatusCode(response.body);
      if (response.status === 200 && statusCode === 200) {
        this.logger.debug({ provider: this.id, subject }, 'Nextcloud app password revoked');
      } else if (response.status !== 401) {
        this.logger.warn({ provider: this.id, subject, status: response.status, statusCode }, 'revoking the Nextcloud app password failed');
      }
    } catch (error) {
      this.logger.warn({ provider: this.id, subject, err: describeError(error) }, 'revoking the Nextcloud app password failed');
    }
  }

  /** Redeems the code with client_secret_post, which works whether or not the web server passes Basic auth on. */
  private async redeemCode(code: string, codeVerifier: string, redirectUri: string): Promise<string> {
    const url = new URL(`${this.config.url}/index.php/apps/oauth2/api/v1/token`);
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: this.config.client_id,
      client_secret: this.config.client_secret,
      code_verifier: codeVerifier,
    });
    const response = await fetchJson(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    }, 'Nextcloud token', this.timeoutMs);

    if (response.status !== 200) throw tokenError(response.status, response.body);
    const accessToken = isRecord(response.body) ? response.body.access_token : undefined;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new SsoError('provider_response_invalid', 'the Nextcloud token endpoint returned status 200 without a string "access_token"');
    }
    return accessToken;
  }

  private async fetchUser(accessToken: string): Promise<ExternalProfile> {
    const url = new URL(`${this.config.url}/ocs/v2.php/cloud/user?format=json`);
    const response = await fetchJson(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, 'ocs-apirequest': 'true', accept: 'application/json' },
    }, 'Nextcloud OCS user', this.timeoutMs);
    return profileFromOcs(response.status, response.body);
  }
}

/** Maps the token endpoint's `{"error": …}` replies, which Nextcloud sends with status 400. */
function tokenError(status: number, body: unknown): SsoError {
  const error = isRecord(body) && typeof body.error === 'string' ? body.error : undefined;
  const detail = `the Nextcloud token endpoint returned status ${status}${error ? ` with error "${error}"` : ''}`;
  if (status === 400 && (error === 'invalid_request' || error === 'invalid_grant')) return new SsoError('code_rejected', detail);
  if (status === 400 && error === 'invalid_client') return new SsoError('client_rejected', detail);
  if (status === 429) return new SsoError('provider_unreachable', `${detail} (throttled by brute-force protection)`);
  if (body === undefined) return new SsoError('provider_response_invalid', `${detail}, body not JSON`);
  return new SsoError('provider_error', detail);
}

/**
 * Reads the OCS envelope. Any status other than 200, or `meta.status` other than "ok", is a failed
 * lookup; `data` of such a reply is never used.
 */
function profileFromOcs(status: number, body: unknown): ExternalProfile {
  const ocs = isRecord(body) && isRecord(body.ocs) ? body.ocs : undefined;
  const meta = ocs && isRecord(ocs.meta) ? ocs.meta : undefined;
  const statusCode = meta?.statuscode;
  if (status !== 200) {
    const reason = status >= 500 ? 'provider_error' : 'profile_rejected';
    throw new SsoError(reason, `the Nextcloud OCS user endpoint returned status ${status}${statusCode !== undefined ? ` with statuscode ${String(statusCode)}` : ''}`);
  }
  if (!ocs || !meta) throw new SsoError('provider_response_invalid', 'the Nextcloud OCS user endpoint returned status 200 without a JSON OCS envelope');
  if (meta.status !== 'ok') {
    throw new SsoError('profile_rejected', `the Nextcloud OCS user endpoint reported status "${String(meta.status)}" with statuscode ${String(statusCode)}`);
  }

  const data = isRecord(ocs.data) ? ocs.data : undefined;
  if (!data || typeof data.id !== 'string') {
    throw new SsoError('provider_response_invalid', 'the Nextcloud OCS user reply has no string "data.id"');
  }
  if (data.id.trim() === '') throw new SsoError('subject_missing', 'the Nextcloud OCS user reply has an empty "data.id"');
  return {
    subject: data.id,
    localpartSource: data.id,
    displayName: firstString(data['display-name'], data.displayname),
    email: firstString(data.email),
    groups: stringList(data.groups),
  };
}

/** Returns the group ids; a missing or malformed `groups` reads as no groups. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}

function ocsStatusCode(body: unknown): unknown {
  const ocs = isRecord(body) && isRecord(body.ocs) ? body.ocs : undefined;
  return ocs && isRecord(ocs.meta) ? ocs.meta.statuscode : undefined;
}

/** Returns the message of a caught error for logs. SsoError details name the URL path, never a token. */
function describeError(error: unknown): string {
  if (error instanceof SsoError) return error.detail;
  return error instanceof Error ? error.message : String(error);
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}
