import { createHmac, timingSafeEqual } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import { randomToken } from '../identity/secrets.js';

export interface SharedSecretRequest {
  nonce: string;
  username: string;
  password: string;
  admin: boolean;
  userType?: string;
  mac: string;
}

// A nonce is usable for one minute and once, as in Synapse, so a captured request cannot be replayed.
const NONCE_LIFETIME_MS = 60 * 1000;
// Unauthenticated clients can request nonces, so the oldest are dropped past this many.
const MAX_OPEN_NONCES = 10_000;

/**
 * The nonces and MAC check of Synapse's shared-secret registration. The MAC is the hex HMAC-SHA1,
 * keyed with `registration_shared_secret`, of nonce, username, password, "admin" or "notadmin" and
 * the optional user type, separated by NUL bytes.
 */
export class SharedSecretVerifier {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly secret: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a single-use nonce; throws when no shared secret is configured. */
  issueNonce(): string {
    this.requireEnabled();
    this.dropExpired();
    const nonce = randomToken(32);
    this.nonces.set(nonce, this.now() + NONCE_LIFETIME_MS);
    if (this.nonces.size > MAX_OPEN_NONCES) {
      const oldest = this.nonces.keys().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
    return nonce;
  }

  /** Consumes the nonce and checks the MAC; throws a MatrixError when either is wrong. */
  verify(request: SharedSecretRequest): void {
    const secret = this.requireEnabled();
    this.dropExpired();
    if (!this.nonces.delete(request.nonce)) {
      throw new MatrixError('M_UNKNOWN', 'Unrecognised nonce; request a new one with GET /_synapse/admin/v1/register.');
    }
    const parts = [request.nonce, request.username, request.password, request.admin ? 'admin' : 'notadmin'];
    if (request.userType !== undefined) parts.push(request.userType);
    const expected = createHmac('sha1', secret).update(parts.join('\x00'), 'utf8').digest();
    const given = Buffer.from(request.mac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new MatrixError('M_FORBIDDEN', 'HMAC incorrect; check registration_shared_secret.');
    }
  }

  private requireEnabled(): string {
    if (this.secret === undefined) {
      throw new MatrixError('M_UNKNOWN', 'Shared secret registration is not enabled; set registration_shared_secret in the config.');
    }
    return this.secret;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [nonce, expires] of this.nonces) {
      if (expires < now) this.nonces.delete(nonce);
    }
  }
}
