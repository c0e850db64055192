/**
 * The shape of `lattice.yaml`. Key names follow Synapse's where one exists, so operators moving over
 * recognise them. Defaults are documented beside the code that applies them in `load.ts`.
 */
import type { WebClientConfig } from './media.js';
import type { ClientFeaturesConfig } from './client-features.js';
import type { SupportConfig } from './support.js';

export interface ListenConfig {
  host: string;
  port: number;
}

export interface SqliteDatabaseConfig {
  type: 'sqlite';
  path: string;
}

/** Either a connection URL or its parts; `password` is undefined when the server needs none. */
export type PostgresConnection =
  | { url: string }
  | { host: string; port: number; user: string; password: string | undefined; database: string };

export interface PostgresDatabaseConfig {
  type: 'postgres';
  connection: PostgresConnection;
  /** Connections each process keeps open: at least `min`, at most `max`. */
  pool: { min: number; max: number };
}

export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;

/** The claims of an OIDC provider that become the Matrix account's fields. */
export interface ClaimMapping {
  subject: string;
  localpart: string;
  display_name: string;
  email: string;
}

interface ProviderCommon {
  id: string;
  name: string;
  client_id: string;
  /** Resolved at load time from `client_secret` or `client_secret_path`. */
  client_secret: string;
}

/**
 * Nextcloud's built-in `oauth2` app: authorization code, then the OCS user endpoint. The loader
 * always fills the directory keys; they are optional so that configs built in code stay short,
 * and `nextcloudDirectory()` supplies their defaults.
 */
export interface NextcloudProviderConfig extends ProviderCommon, Partial<NextcloudDirectoryConfig> {
  type: 'nextcloud';
  /** Nextcloud base URL including any web root, without a trailing slash. */
  url: string;
}

/** Profile fields that follow Nextcloud; their defaults are documented in `nextcloud.ts`. */
export interface SyncProfileConfig {
  displayname: boolean;
  avatar: boolean;
  email: boolean;
}

/** Read access to Nextcloud's provisioning API for the directory sync. */
export interface ProvisioningConfig {
  admin_user: string;
  /** Resolved at load time from `app_password_path`; never logged. */
  app_password: string;
  interval_seconds: number;
}

/** How a Nextcloud provider's accounts, groups and profiles carry over into Lattice. */
export interface NextcloudDirectoryConfig {
  sync_profile: SyncProfileConfig;
  /** Group ids whose members may sign in; undefined lets every account in. */
  allowed_groups: string[] | undefined;
  /** Room ids or aliases that the members of each group are put in. */
  group_rooms: Record<string, string[]>;
  group_rooms_mode: 'join' | 'invite';
  /** Group ids whose members are server admins. */
  admin_groups: string[];
  provisioning: ProvisioningConfig | undefined;
}

/** Any OpenID Connect provider found through discovery, such as Nextcloud's `oidc` app. */
export interface OidcProviderConfig extends ProviderCommon {
  type: 'oidc';
  issuer: string;
  discovery_url: string | undefined;
  scopes: string[];
  claims: ClaimMapping;
  /** Accepted clock difference in seconds when checking `iat`, `nbf` and `exp` of an id_token. */
  clock_leeway_seconds: number;
}

export type ProviderConfig = NextcloudProviderConfig | OidcProviderConfig;

export interface SsoConfig {
  providers: ProviderConfig[];
  /** URL prefixes that may receive a login token without a confirmation page. */
  client_allowlist: string[];
  update_profile_on_login: boolean;
  /** Origins allowed to frame the sign-in pages; empty or unset forbids every frame. */
  frame_ancestors?: string[];
}

/** The Prometheus listener, separate from the client API so metrics are not public by accident. */
export interface MetricsConfig {
  enabled: boolean;
  host: string;
  port: number;
}

export interface LatticeConfig extends ClientFeaturesConfig {
  server_name: string;
  /** Always ends with a slash. */
  public_baseurl: string;
  listen: ListenConfig;
  database: DatabaseConfig;
  signing_key_path: string;
  password_config: { enabled: boolean };
  sso: SsoConfig;
  /** Largest accepted request body in bytes, outside media uploads. */
  max_request_size: number;
  log_level: string;
  /** Full user ids that are server admins, besides those flagged in the database. */
  admins: string[];
  /** Secret for `/_synapse/admin/v1/register`; that endpoint is off while it is unset. */
  registration_shared_secret: string | undefined;
  metrics: MetricsConfig;
  media_store_path: string;
  /** Largest accepted media upload in bytes. */
  max_upload_size: number;
  web_client: WebClientConfig;
  /** Contacts and page of `/.well-known/matrix/support`, or undefined when none are configured. */
  support: SupportConfig | undefined;
  /** Folder the config file was read from; relative paths in it are resolved against this. */
  config_dir: string;
}
