/**
 * Sign-in through an OpenID Connect provider with openid-client: discovery, authorization code with
 * PKCE S256 and a nonce, and an id_token whose signature is checked against the provider's JWKS.
 */
import type { ClientAuth, ClientError, ClientMetadata, Configuration, ServerMetadata } from 'openid-client';
import type { OidcProviderConfig } from '../../config/schema.js';
import { SsoError } from './errors.js';
import type { AuthorizationRequest, ExternalProfile, IdentityProvider } from './provider.js';
import { fetchJson, isRecord, PROVIDER_TIMEOUT_MS } from './provider-fetch.js';
import type { PendingSignIn } from './state-cookie.js';

/** Discovery documents are fetched again after an hour, so key and endpoint changes arrive. */
const METADATA_TTL_MS = 60 * 60 * 1000;

type Claims = Record<string, unknown>;

type OpenidClient = typeof import('openid-client');

let openidClient: Promise<OpenidClient> | undefined;

/**
 * Loads openid-client (and jose with it) on the first OIDC sign-in, so servers without an OIDC
 * provider, or whose users have not signed in since the start, do not load it.
 */
function loadOpenidClient(): Promise<OpenidClient> {
  return (openidClient ??= import('openid-client'));
}

export class OidcProvider implements IdentityProvider {
  readonly id: string;
  readonly name: string;
  private cached: { configuration: Configuration; loadedAt: number } | undefined;

  constructor(private readonly config: OidcProviderConfig, private readonly now: () => number = Date.now) {
    this.id = config.id;
    this.name = config.name;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const client = await loadOpenidClient();
    const configuration = await this.configuration(client);
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: request.redirectUri,
      scope: this.config.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async fetchProfile(callback: URLSearchParams, pending: PendingSignIn, redirectUri: string): Promise<ExternalProfile> {
    if (!callback.get('code')) throw new SsoError('callback_parameters_missing', 'the callback has no "code" parameter');
    const client = await loadOpenidClient();
    const configuration = await this.configuration(client);
    const currentUrl = new URL(redirectUri);
    currentUrl.search = callback.toString();

    const claims = await translateErrors(client, async () => {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new SsoError('id_token_invalid', 'the token response has no id_token');
      const userinfo = await this.fetchUserinfo(client, configuration, tokens.access_token, idClaims.sub);
      // The verified id_token wins; the userinfo reply fills in claims the id_token left out.
      return { ...userinfo, ...idClaims } as Claims;
    });
    return this.profileFromClaims(claims);
  }

  private async fetchUserinfo(client: OpenidClient, configuration: Configuration, accessToken: string, subject: string): Promise<Claims> {
    if (!configuration.serverMetadata().userinfo_endpoint) return {};
    return (await client.fetchUserInfo(configuration, accessToken, subject)) as Claims;
  }

  private profileFromClaims(claims: Claims): ExternalProfile {
    const mapping = this.config.claims;
    const subject = claimString(claims, mapping.subject);
    if (!subject || subject.trim() === '') {
      throw new SsoError('subject_missing', `the id_token and userinfo have no non-empty "${mapping.subject}" claim`);
    }
    return {
      subject,
      localpartSource: claimString(claims, mapping.localpart) || subject,
      displayName: claimString(claims, mapping.display_name) || undefined,
      email: claimString(claims, mapping.email) || undefined,
    };
  }

  /**
   * Returns the client configuration, fetching the discovery document when none is cached or it is
   * stale. A failed fetch is not cached, so the next sign-in tries again.
   */
  private async configuration(client: OpenidClient): Promise<Configuration> {
    const cached = this.cached;
    if (cached && this.now() - cached.loadedAt < METADATA_TTL_MS) return cached.configuration;
    const metadata = await this.discover();
    let configuration: Configuration;
    try {
      configuration = this.buildConfiguration(client, metadata);
    } catch (error) {
      throw new SsoError('provider_response_invalid', `the discovery document is not usable: ${(error as Error).message}`, { cause: error });
    }
    this.cached = { configuration, loadedAt: this.now() };
    return configuration;
  }

  /**
   * Fetches the discovery document and compares its `issuer` with the configured one character for
   * character. openid-client's own discovery normalises both as URLs first, so it would accept a
   * trailing-slash difference.
   */
  private async discover(): Promise<ServerMetadata> {
    const url = new URL(this.config.discovery_url ?? `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    const response = await fetchJson(url, { headers: { accept: 'application/json' } }, 'OIDC discovery');
    if (response.status !== 200 || !isRecord(response.body) || typeof response.body.issuer !== 'string') {
      throw new SsoError('provider_response_invalid', `the discovery document at ${url.href} returned status ${response.status} without a JSON "issuer"`);
    }
    const issuer = response.body.issuer;
    if (this.config.issuer !== '' && issuer !== this.config.issuer) {
      throw new SsoError('provider_response_invalid', `the discovery document names issuer "${issuer}", but the configured issuer is "${this.config.issuer}"; set issuer to the exact value`);
    }
    return response.body as ServerMetadata;
  }

  private buildConfiguration(client: OpenidClient, metadata: ServerMetadata): Configuration {
    const metadataOptions: Partial<ClientMetadata> = {
      client_secret: this.config.client_secret,
      [client.clockTolerance]: this.config.clock_leeway_seconds,
    };
    const configuration = new client.Configuration(metadata, this.config.client_id, metadataOptions, clientAuthentication(client, metadata, this.config.client_secret));
    configuration.timeout = PROVIDER_TIMEOUT_MS / 1000;
    client.enableNonRepudiationChecks(configuration);
    // An operator who configured an http:// issuer (a loopback or test deployment) chose plain HTTP.
    if (new URL(metadata.issuer).protocol === 'http:') client.allowInsecureRequests(configuration);
    return configuration;
  }
}

/** Uses client_secret_basic, the OIDC default, unless the provider lists only client_secret_post. */
function clientAuthentication(client: OpenidClient, metadata: ServerMetadata, secret: string): ClientAuth {
  const methods = metadata.token_endpoint_auth_methods_supported;
  if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
    return client.ClientSecretPost(secret);
  }
  return client.ClientSecretBasic(secret);
}

// TODO: claim mappings name top-level claims only; nested claims and templates (as Synapse's
// `subject_template` allows) are not supported.
function claimString(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Runs an openid-client call and turns its errors into SsoErrors with a reason. */
async function translateErrors<T>(client: OpenidClient, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toSsoError(client, error);
  }
}

function toSsoError(client: OpenidClient, error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  if (error instanceof client.ResponseBodyError) {
    const detail = `the OIDC provider answered ${error.status} with error "${error.error}"`;
    if (error.error === 'invalid_grant') return new SsoError('code_rejected', detail, { cause: error });
    if (error.error === 'invalid_client') return new SsoError('client_rejected', detail, { cause: error });
    return new SsoError('provider_error', detail, { cause: error });
  }
  if (error instanceof client.ClientError) return clientErrorToSsoError(error);
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new SsoError('provider_unreachable', `the OIDC provider did not respond within ${PROVIDER_TIMEOUT_MS} ms`, { cause: error });
  }
  if (error instanceof TypeError) return new SsoError('provider_unreachable', `request to the OIDC provider failed: ${error.message}`, { cause: error });
  return new SsoError('provider_error', `the OIDC exchange failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

function clientErrorToSsoError(error: ClientError): SsoError {
  const detail = `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''} (${error.code ?? 'no code'})`;
  switch (error.code) {
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_INVALID_RESPONSE':
      return new SsoError('id_token_invalid', detail, { cause: error });
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return new SsoError('provider_response_invalid', detail, { cause: error });
    default:
      return new SsoError('provider_error', detail, { cause: error });
  }
}
