import { randomBytes } from 'node:crypto';
import { MatrixError } from '../core/errors.js';

/** How the server checks a local account's password; SSO accounts have none. */
export interface PasswordChecker {
  /** Whether the user signs in with a password here (a local account). */
  hasPassword(userId: string): Promise<boolean>;
  checkPassword(userId: string, password: string): Promise<boolean>;
}

/** The `auth` object a client sends with a request that needs user-interactive auth. */
export interface AuthSubmission {
  type?: unknown;
  session?: unknown;
  identifier?: unknown;
  user?: unknown;
  password?: unknown;
}

/** The spec's 401 body: the flows that complete the auth, and the session to pass back. */
export interface UiaChallenge {
  flows: Array<{ stages: string[] }>;
  params: Record<string, unknown>;
  session: string;
  completed?: string[];
  errcode?: string;
  error?: string;
}

/** Thrown when a request needs (more) user-interactive auth; the HTTP layer answers 401 with `challenge`. */
export class UiaRequired extends MatrixError {
  constructor(readonly challenge: UiaChallenge) {
    super('M_UNAUTHORIZED', challenge.error ?? 'User-interactive authentication is required.', {
      status: 401,
      extra: { flows: challenge.flows, params: challenge.params, session: challenge.session, ...(challenge.completed ? { completed: challenge.completed } : {}) },
    });
  }

  /** The response body: without errcode until an attempt has failed, as the spec's examples show. */
  override toJSON(): Record<string, unknown> {
    const { errcode, error, ...rest } = this.challenge;
    return errcode === undefined ? rest : { ...rest, errcode, error };
  }
}

interface UiaSession {
  userId: string;
  purpose: string;
  expiresAt: number;
  /** Set by the SSO fallback page once the user signed in again through the identity provider. */
  ssoCompleted?: boolean;
}

const SESSION_LIFETIME_MS = 10 * 60 * 1000;

/**
 * User-interactive authentication for sensitive requests (deleting devices, replacing
 * cross-signing keys). Local accounts re-enter their password (`m.login.password`). Accounts
 * that sign in through SSO are offered `m.login.sso`, which they complete on the fallback page
 * `/_matrix/client/v3/auth/m.login.sso/fallback/web` before retrying with the session alone.
 */
export class UserInteractiveAuth {
  private readonly sessions = new Map<string, UiaSession>();

  constructor(private readonly passwords: PasswordChecker, private readonly now: () => number = Date.now) {}

  /**
   * Returns when `auth` completes a flow for `userId`; throws UiaRequired with the challenge
   * otherwise. `purpose` binds a session to one kind of request.
   */
  async require(userId: string, purpose: string, auth: AuthSubmission | undefined): Promise<void> {
    this.dropExpired();
    const local = await this.passwords.hasPassword(userId);
    const stage = local ? 'm.login.password' : 'm.login.sso';
    const session = this.sessionFor(userId, purpose, auth?.session);
    if (!local && this.sessions.get(session)?.ssoCompleted && (auth?.type === undefined || auth.type === stage)) {
      this.sessions.delete(session);
      return;
    }
    if (auth === undefined || auth.type === undefined) throw this.challenge(stage, session);
    if (auth.type !== stage) throw this.challenge(stage, session, `Authentication type "${String(auth.type)}" is not offered here; use ${stage}.`);
    if (!local) throw this.challenge(stage, session, 'Confirm your identity on the single sign-on fallback page first, then retry with this session.');
    if (!submittedUserMatches(auth, userId) || typeof auth.password !== 'string' || !(await this.passwords.checkPassword(userId, auth.password))) {
      throw this.challenge(stage, session, 'Invalid password.');
    }
    this.sessions.delete(session);
  }

  /** Returns the user and purpose of a session that is still pending, for the SSO fallback page. */
  pendingSession(session: string): { userId: string; purpose: string } | undefined {
    this.dropExpired();
    const found = this.sessions.get(session);
    return found && { userId: found.userId, purpose: found.purpose };
  }

  /** Records that `userId` signed in again through SSO for `session`; false when it is gone or another user's. */
  completeSso(session: string, userId: string): boolean {
    const found = this.sessions.get(session);
    if (!found || found.userId !== userId || found.expiresAt < this.now()) return false;
    found.ssoCompleted = true;
    return true;
  }

  private sessionFor(userId: string, purpose: string, submitted: unknown): string {
    if (typeof submitted === 'string') {
      const existing = this.sessions.get(submitted);
      if (existing && existing.userId === userId && existing.purpose === purpose) return submitted;
    }
    const id = randomBytes(18).toString('base64url');
    this.sessions.set(id, { userId, purpose, expiresAt: this.now() + SESSION_LIFETIME_MS });
    return id;
  }

  private challenge(stage: string, session: string, failure?: string): UiaRequired {
    return new UiaRequired({
      flows: [{ stages: [stage] }],
      params: {},
      session,
      ...(failure ? { errcode: 'M_FORBIDDEN', error: failure } : {}),
    });
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt < now) this.sessions.delete(id);
  }
}

/** The password stage names the user by `identifier` (m.id.user) or the older `user`; both must be this user. */
function submittedUserMatches(auth: AuthSubmission, userId: string): boolean {
  const identifier = auth.identifier as { type?: unknown; user?: unknown } | undefined;
  const named = identifier?.type === 'm.id.user' ? identifier.user : auth.user;
  if (named === undefined) return true;
  if (typeof named !== 'string') return false;
  const localpart = userId.slice(1, userId.indexOf(':'));
  return named === userId || named.toLowerCase() === localpart;
}
