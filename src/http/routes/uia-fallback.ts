import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashToken } from '../../identity/secrets.js';
import { sendPage } from '../pages.js';

/** The part of user-interactive auth that the SSO fallback page completes. */
export interface SsoStage {
  /** Returns the user and purpose of a pending session, or undefined for an unknown or expired one. */
  pendingSession(session: string): { userId: string; purpose: string } | undefined;
  /** Marks the session's `m.login.sso` stage as done by `userId`; false when the session is gone or another user's. */
  completeSso(session: string, userId: string): boolean;
}

export interface UiaFallbackRouteDeps {
  stage: SsoStage;
  /** The login tokens that the SSO callback issues; the done page consumes one instead of signing in. */
  loginTokens: { consumeLoginToken(tokenHash: string, now: number): Promise<string | undefined> };
  publicBaseurl: string;
  frameAncestors: readonly string[];
}

interface FallbackRequest {
  Querystring: { session?: string; loginToken?: string };
}

export const FALLBACK_PATH = '/_matrix/client/v3/auth/m.login.sso/fallback/web';
export const FALLBACK_DONE_PATH = `${FALLBACK_PATH}/done`;
/**
 * Names the UIA session that the browser started on the fallback page. The done page accepts only
 * that session, so a sign-in that someone else started cannot complete it unseen.
 */
const FALLBACK_COOKIE = 'lattice_uia_sso';

/** The spec's completion script, which notifies the client that opened the page that the stage is done. */
const AUTH_DONE_SCRIPT = [
  'if (window.onAuthDone) {',
  '  window.onAuthDone();',
  '} else if (window.opener && window.opener.postMessage) {',
  '  window.opener.postMessage("authDone", "*");',
  '}',
].join('\n');

/** Descriptions of each protected request for the confirmation page, by UIA purpose. */
const PURPOSES: Record<string, string> = {
  'delete-devices': 'remove devices from your account',
  'cross-signing': 'replace the cross-signing keys of your account',
  'get-login-token': 'sign in on another device with your account',
  'deactivate-account': 'deactivate your account',
};

export function registerUiaFallbackRoutes(app: FastifyInstance, deps: UiaFallbackRouteDeps): void {
  /**
   * GET /_matrix/client/v3/auth/m.login.sso/fallback/web: describes what the client is about to do
   * and links to a new single sign-on whose result returns to the done page below.
   */
  app.get<FallbackRequest>(FALLBACK_PATH, async (request, reply) => {
    const session = request.query.session ?? '';
    const pending = deps.stage.pendingSession(session);
    if (!pending) return sendUnknownSession(reply, deps);
    const action = PURPOSES[pending.purpose] ?? 'make a change that needs your confirmation';
    const doneUrl = `${deps.publicBaseurl}${FALLBACK_DONE_PATH.slice(1)}?session=${encodeURIComponent(session)}`;
    void reply.header('set-cookie', fallbackCookie(session, 600, deps.publicBaseurl));
    return sendPage(reply, 200, {
      title: 'Confirm your identity',
      paragraphs: [
        `An app signed in as ${pending.userId} wants to ${action}. To allow it, sign in again.`,
        'If you did not start this, close this page: someone else may be using your account.',
      ],
      links: [{ href: `/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(doneUrl)}`, text: 'Sign in again' }],
    }, deps.frameAncestors);
  });

  /** GET …/fallback/web/done: the end of the new sign-in, which completes the stage and notifies the client. */
  app.get<FallbackRequest>(FALLBACK_DONE_PATH, async (request, reply) => {
    const session = request.query.session ?? '';
    // The state cookie is single-use, like the SSO state cookie.
    void reply.header('set-cookie', fallbackCookie('', 0, deps.publicBaseurl));
    const pending = deps.stage.pendingSession(session);
    if (!pending || readCookie(request, FALLBACK_COOKIE) !== session) return sendUnknownSession(reply, deps);
    const loginToken = request.query.loginToken;
    const userId = loginToken ? await deps.loginTokens.consumeLoginToken(hashToken(loginToken), Date.now()) : undefined;
    if (userId === undefined) {
      return sendPage(reply, 403, { title: 'Confirmation failed', paragraphs: ['The sign-in did not complete. Return to your app and try again.'] }, deps.frameAncestors);
    }
    if (userId !== pending.userId || !deps.stage.completeSso(session, userId)) {
      request.log.info({ session, userId, expectedUserId: pending.userId }, 'SSO re-authentication by another user rejected');
      return sendPage(reply, 403, {
        title: 'Confirmation failed',
        paragraphs: [`You signed in as ${userId}, but the app asked ${pending.userId} to confirm. Sign in with that account instead.`],
      }, deps.frameAncestors);
    }
    request.log.info({ session, userId }, 'SSO re-authentication completed');
    return sendPage(reply, 200, {
      title: 'Confirmed',
      paragraphs: ['You confirmed your identity. Return to your app to continue.'],
      script: AUTH_DONE_SCRIPT,
    }, deps.frameAncestors);
  });
}

function sendUnknownSession(reply: FastifyReply, deps: UiaFallbackRouteDeps): FastifyReply {
  return sendPage(reply, 400, {
    title: 'Confirmation expired',
    paragraphs: ['This confirmation is unknown or has expired. Return to your app and try the action again.'],
  }, deps.frameAncestors);
}

/** HttpOnly and SameSite=Lax, so it returns with the provider's cross-site redirect back; Secure behind https. */
function fallbackCookie(value: string, maxAgeSeconds: number, publicBaseurl: string): string {
  const secure = publicBaseurl.startsWith('https:') ? '; Secure' : '';
  return `${FALLBACK_COOKIE}=${encodeURIComponent(value)}; Path=${FALLBACK_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
