/** The parts of Lattice's config that a hosted web client's `config.json` is built from. */
export interface WebClientConfigSource {
  server_name: string;
  public_baseurl: string;
  web_client: { config: Record<string, unknown> };
}

/**
 * Builds Element Web's `config.json` so the domain is written once, in `lattice.yaml`: the client
 * is pinned to this server, guest access and third-party-id login (which Lattice lacks) are off,
 * and the room directory lists this server. `web_client.config` is merged over the result, key by
 * key for nested mappings, so an operator can change one value without repeating the rest.
 */
export function buildWebClientConfig(source: WebClientConfigSource): Record<string, unknown> {
  const generated = {
    default_server_config: {
      'm.homeserver': { base_url: source.public_baseurl.replace(/\/$/, ''), server_name: source.server_name },
    },
    disable_custom_urls: true,
    disable_guests: true,
    disable_3pid_login: true,
    brand: 'Element',
    room_directory: { servers: [source.server_name] },
  };
  return mergeDeep(generated, source.web_client.config);
}

/** Merges `override` into `base`: mappings merge recursively, and every other value replaces. */
export function mergeDeep(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isMapping(current) && isMapping(value) ? mergeDeep(current, value) : value;
  }
  return result;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
