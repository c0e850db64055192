/** The commented `lattice.yaml` written on first start, for a server named `serverName`. */
export function defaultConfigText(serverName: string, port: number): string {
  return `# Lattice homeserver configuration. Key names follow Synapse's where one exists.
# Relative paths are resolved against the folder of this file.

# The domain in every user and room id (@alice:${serverName}). It cannot change once users exist.
server_name: ${serverName}

# The URL clients and Nextcloud's browser redirects reach this server at.
public_baseurl: http://${serverName}:${port}/

listen:
  host: 127.0.0.1
  port: ${port}

database:
  type: sqlite
  path: ./data/lattice.db

# The server's ed25519 signing key; generated on first start. Back it up.
signing_key_path: ./data/signing.key

# Local password accounts (bots, a break-glass admin); create them with \`lattice register-user\`.
password_config:
  enabled: true

sso:
  # Sign-in through Nextcloud. In Nextcloud, register an OAuth2 client whose redirect URI is
  #   <public_baseurl>_synapse/client/oidc/callback
  # with: occ oauth2:add-client Lattice http://${serverName}:${port}/_synapse/client/oidc/callback
  # or under Administration settings > Security > OAuth 2.0 clients, then fill in:
  providers: []
  #  - id: nextcloud
  #    name: Nextcloud
  #    type: nextcloud
  #    url: https://cloud.example.com
  #    client_id: <client identifier shown by Nextcloud>
  #    client_secret_path: ./data/nextcloud-client-secret
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

  # Copy the display name from the identity provider at every sign-in, not only the first.
  update_profile_on_login: false

log_level: info
`;
}
