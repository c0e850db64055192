/** What `lattice generate-config` asks for; everything else in the file keeps its default. */
export interface ConfigTemplateOptions {
  serverName: string;
  publicBaseurl: string;
  port: number;
  /** A SQLite file path, or a postgres:// URL for PostgreSQL. */
  databasePath: string;
  /** A Nextcloud OAuth2 client; without it the provider example stays commented out. */
  nextcloud?: { url: string; clientId: string; clientSecretPath: string };
  /** Written as registration_shared_secret_path when set. */
  registrationSecretPath?: string;
}

/** Returns the commented `lattice.yaml` written on first start, for a server named `serverName`. */
export function defaultConfigText(serverName: string, port: number): string {
  return configText({ serverName, port, publicBaseurl: `http://${serverName}:${port}/`, databasePath: './data/lattice.db' });
}

/** A commented `lattice.yaml` with the given values and every other key at its documented default. */
export function configText(options: ConfigTemplateOptions): string {
  const { serverName, publicBaseurl, port } = options;
  const callback = `${publicBaseurl}_synapse/client/oidc/callback`;
  return `# Lattice homeserver configuration. Key names follow Synapse's where one exists.
# Relative paths are resolved against the folder of this file.

# The domain in every user and room id (@alice:${serverName}). It cannot change once users exist.
server_name: ${serverName}

# The URL clients and Nextcloud's browser redirects reach this server at.
public_baseurl: ${publicBaseurl}

listen:
  host: 127.0.0.1
  port: ${port}

${databaseText(options.databasePath)}

# The server's ed25519 signing key; generated on first start. Back it up.
signing_key_path: ./data/signing.key

# Local password accounts (bots, a break-glass admin); create them with \`lattice register-user\`.
password_config:
  enabled: true

sso:
  # Sign-in through Nextcloud. In Nextcloud, register an OAuth2 client whose redirect URI is
  #   <public_baseurl>_synapse/client/oidc/callback
  # with: occ oauth2:add-client Lattice ${callback}
  # or under Administration settings > Security > OAuth 2.0 clients, then fill in:
${providersText(options)}
  #
  # An OpenID Connect provider (for example Nextcloud's "oidc" app) found through discovery:
  #  - id: oidc
  #    name: Company login
  #    type: oidc
  #    issuer: https://id.example.com
  #    client_id: lattice
  #    client_secret: <secret>
  #    scopes: [openid, profile, email]

  # URL prefixes of web clients that may receive a login token without a confirmation page.
  client_allowlist: []

  # Copy the display name from the identity provider at every sign-in, not only the first. For
  # a Nextcloud provider this applies while its sync_profile.displayname is true, and also to
  # each directory sync pass.
  update_profile_on_login: false

  # Origins that may show the sign-in pages and a hosted web client in a frame, such as a
  # Nextcloud that embeds Element. Empty forbids every frame.
  frame_ancestors: []

# Uploaded files, stored once per distinct content. max_upload_size takes bytes or K, M, G.
media_store_path: ./data/media
max_upload_size: 50M

# A web client served at / on this origin, such as an unpacked Element Web release. Its
# config.json is generated from this file; keys under config are merged over it. Without a
# path, / shows a page with the API's address.
web_client:
  # path: ./element-web
  config: {}

# Server admins, as full user ids; they may use /_synapse/admin. Nobody is an admin by default,
# also not the first user to sign in. \`lattice register-user --admin\` also makes admins.
admins: []
#  - "@alice:${serverName}"

# Shared secret for /_synapse/admin/v1/register (synadm, register_new_matrix_user). Unset turns
# that endpoint off. Use registration_shared_secret_path to keep the secret in its own file.
${options.registrationSecretPath ? `registration_shared_secret_path: ${options.registrationSecretPath}` : '# registration_shared_secret_path: ./data/registration-secret'}

# Presence (online, away, offline) shared with the people in your rooms. false reads everyone
# as offline and sends no presence.
presence:
  enabled: true

# Who the user directory finds when someone searches for people to invite. true finds every
# active user of this server, as Nextcloud's own sharing search does. false finds only people
# who share a room with the searcher or are in a published room.
user_directory:
  search_all_users: true

# TURN relays for voice and video calls, with coturn's use-auth-secret: the same secret as
# coturn's static-auth-secret. Credentials expire after user_lifetime_seconds. Without uris,
# clients get no TURN server.
turn:
  uris: []
  #  - turn:turn.${serverName}:3478?transport=udp
  #  - turns:turn.${serverName}:5349?transport=tcp
  # shared_secret_path: ./data/turn-secret
  user_lifetime_seconds: 86400

# How users reach the administrators, published at /.well-known/matrix/support. Without
# contacts or support_page, that URL returns 404.
# support:
#   contacts:
#     - matrix_id: "@admin:${serverName}"
#       email_address: admin@${serverName}
#       role: m.role.admin
#   support_page: https://${serverName}/help

# Prometheus metrics on a separate listener; off by default. Keep it on a private address.
metrics:
  enabled: false
  host: 127.0.0.1
  port: 9000

log_level: info
`;
}

function databaseText(database: string): string {
  if (/^postgres(ql)?:\/\//.test(database)) {
    return `# PostgreSQL, for several processes or large servers.
database:
  type: postgres
  url: ${JSON.stringify(database)}`;
  }
  return `database:
  type: sqlite
  path: ${database}`;
}

function providersText(options: ConfigTemplateOptions): string {
  const nextcloud = options.nextcloud;
  if (!nextcloud) {
    return `  providers: []
  #  - id: nextcloud
  #    name: Nextcloud
  #    type: nextcloud
  #    url: https://cloud.example.com
  #    client_id: <client identifier shown by Nextcloud>
  #    client_secret_path: ./data/nextcloud-client-secret
${NEXTCLOUD_DIRECTORY_TEXT}`;
  }
  return `  providers:
    - id: nextcloud
      name: Nextcloud
      type: nextcloud
      url: ${nextcloud.url}
      client_id: ${JSON.stringify(nextcloud.clientId)}
      client_secret_path: ${nextcloud.clientSecretPath}
${NEXTCLOUD_DIRECTORY_TEXT}`;
}

/** The optional keys of a Nextcloud provider beyond sign-in, commented out at their defaults. */
const NEXTCLOUD_DIRECTORY_TEXT = `  #    # Which profile fields follow Nextcloud. displayname: the name is copied when the account
  #    # is created, and later changes follow only with update_profile_on_login: true; false never
  #    # uses Nextcloud's name. avatar: an uploaded picture is imported at the first sign-in and
  #    # whenever it changes (generated initials are not). email: the address is listed by
  #    # /account/3pid and updated at every sign-in.
  #    sync_profile: {displayname: true, avatar: true, email: true}
  #    # Nextcloud group ids whose members may sign in; unset lets every account in.
  #    allowed_groups: [staff]
  #    # Rooms (ids or aliases) that members of a group are put in at sign-in and that they leave
  #    # once removed from the group. An invite-only room is entered through an invitation from
  #    # its creator, who must still be in the room with the power to invite.
  #    group_rooms: {staff: ["#staff:example.com"]}
  #    group_rooms_mode: join        # or invite
  #    # Members of these groups are server admins; removal from the group revokes it.
  #    admin_groups: []
  #    # Directory sync through the provisioning API, with an app password of a Nextcloud admin
  #    # (occ user:auth-tokens:add admin). Disabled accounts are locked, deleted ones deactivated.
  #    provisioning:
  #      admin_user: admin
  #      app_password_path: ./data/nextcloud-admin-app-password
  #      interval_seconds: 900`;
