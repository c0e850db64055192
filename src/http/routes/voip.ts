import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TurnConfig } from '../../config/client-features.js';
import { requireSession } from '../auth.js';

export interface VoipRouteDeps {
  turn: TurnConfig;
  now?: () => number;
}

export function registerVoipRoutes(app: FastifyInstance, deps: VoipRouteDeps): void {
  const now = deps.now ?? Date.now;

  /** GET /_matrix/client/v3/voip/turnServer: time-limited TURN credentials for calls. */
  app.get('/_matrix/client/v3/voip/turnServer', { config: { auth: 'required' } }, async (request) => {
    const session = requireSession(request);
    const { uris, shared_secret: secret, user_lifetime_seconds: ttl } = deps.turn;
    // NOTE: the spec's schema requires every field, but defines no response for a server without
    // TURN. An empty object is what matrix-js-sdk 37 reads as "no TURN server" (it checks `uris`).
    if (uris.length === 0 || secret === undefined) return {};
    return { ...turnCredentials(session.userId, secret, ttl, now()), uris, ttl };
  });
}

/**
 * Builds credentials in coturn's `use-auth-secret` scheme: the username is `<expiry>:<user id>`
 * with the expiry in Unix seconds, and the password is base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(userId: string, secret: string, ttlSeconds: number, nowMs: number): { username: string; password: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}
