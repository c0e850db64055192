import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import type { Fields } from './fields.js';

/** Presence: whether users' online status is tracked and shared. */
export interface PresenceConfig {
  enabled: boolean;
}

/** TURN relays for VoIP calls, with time-limited credentials derived from a shared secret (coturn's `use-auth-secret`). */
export interface TurnConfig {
  /** TURN URIs handed to clients, such as `turn:turn.example.com:3478?transport=udp`; empty disables TURN. */
  uris: string[];
  /** The secret shared with the TURN server; undefined disables TURN. */
  shared_secret: string | undefined;
  /** How long handed-out credentials stay valid, in seconds. */
  user_lifetime_seconds: number;
}

/** Scope of the user directory (`POST /user_directory/search`). */
export interface UserDirectoryConfig {
  /**
   * Every active local user when true, as Nextcloud's own sharing search does. When false, only
   * users who share a room with the searcher or are joined to a published room, as Synapse does
   * by default.
   */
  search_all_users: boolean;
}

export interface ClientFeaturesConfig {
  presence: PresenceConfig;
  turn: TurnConfig;
  user_directory: UserDirectoryConfig;
}

/**
 * Reads `presence` (`enabled` defaults to true), `turn` and `user_directory`
 * (`search_all_users` defaults to true). TURN has no URIs by default, and its credentials are
 * valid for one day, because clients fetch new ones before the old ones expire.
 */
export function readClientFeatures(root: Fields, resolvePath: (value: string) => string): ClientFeaturesConfig {
  const presence = root.child('presence');
  presence.rejectUnknown(['enabled']);
  const turn = root.child('turn');
  turn.rejectUnknown(['uris', 'shared_secret', 'shared_secret_path', 'user_lifetime_seconds']);
  const userDirectory = root.child('user_directory');
  userDirectory.rejectUnknown(['search_all_users']);
  const uris = turn.stringList('uris', []);
  uris.forEach((uri, index) => {
    if (!/^turns?:/.test(uri)) throw new ConfigError(`turn.uris[${index}]`, uri, 'Use a turn: or turns: URI, such as turn:turn.example.com:3478?transport=udp.');
  });
  const secretPath = turn.optionalString('shared_secret_path');
  const sharedSecret = secretPath === undefined ? turn.optionalString('shared_secret') : readSecretFile(resolvePath(secretPath));
  if (uris.length > 0 && sharedSecret === undefined) {
    throw new ConfigError('turn.shared_secret', undefined, 'Set the secret shared with the TURN server (coturn static-auth-secret), or remove turn.uris.');
  }
  return {
    presence: { enabled: presence.boolean('enabled', true) },
    turn: {
      uris,
      shared_secret: sharedSecret,
      user_lifetime_seconds: turn.integer('user_lifetime_seconds', 86_400, { min: 60, max: 30 * 86_400 }),
    },
    user_directory: { search_all_users: userDirectory.boolean('search_all_users', true) },
  };
}

function readSecretFile(path: string): string {
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError('turn.shared_secret_path', path, `The file cannot be read: ${(error as Error).message}`);
  }
  if (secret === '') throw new ConfigError('turn.shared_secret_path', path, 'The file is empty; write the TURN shared secret into it.');
  return secret;
}
