import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MatrixError } from '../../core/errors.js';
import type { SignInFinish, SignInStart, SsoService } from '../../identity/sso/service.js';
import { STATE_COOKIE_MAX_AGE_SECONDS, STATE_COOKIE_NAME, STATE_COOKIE_PATH } from '../../identity/sso/state-cookie.js';
import { sendPage, setNoStoreHeaders } from '../pages.js';

export interface SsoRouteDeps {
  sso: SsoService;
  /** Origins that may show the sign-in pages in a frame, from `sso.frame_ancestors`. */
  frameAncestors: readonly string[];
}

interface RedirectRequest {
  Params: { idpId?: string };
  Querystring: Record<string, string | string[] | undefined>;
}

/** The client-server API versions whose SSO redirect paths are served; r0 for older clients. */
const API_VERSIONS = ['v3', 'r0'];
/** The callback path registered at providers, and the older path that earlier Synapse releases used. */
const CALLBACK_PATHS = ['/_synapse/client/oidc/callback', '/_synapse/oidc/callback'];

// SSO during user-interactive auth reuses these routes: its fallback page (uia-fallback.ts) starts
// a sign-in whose redirectUrl is the fallback's done page.
export function registerSsoRoutes(app: FastifyInstance, deps: SsoRouteDeps): void {
  for (const version of API_VERSIONS) {
    /**
     * GET /_matrix/client/v3/login/sso/redirect[/{idpId}]: sends the browser to the identity
     * provider, or shows a picker when several are configured and none was named.
     */
    const startHandler = async (request: FastifyRequest<RedirectRequest>, reply: FastifyReply) => {
      const redirectUrl = singleQueryValue(request.query.redirectUrl);
      const start = await deps.sso.startSignIn(request.params.idpId, redirectUrl, request.id);
      return sendStart(reply, start, deps);
    };
    app.get<RedirectRequest>(`/_matrix/client/${version}/login/sso/redirect`, startHandler);
    app.get<RedirectRequest>(`/_matrix/client/${version}/login/sso/redirect/:idpId`, startHandler);
  }

  for (const path of CALLBACK_PATHS) {
    /** GET /_synapse/client/oidc/callback: the provider's reply; ends at the client with a login token. */
    app.get(path, async (request, reply) => {
      const queryStart = request.url.indexOf('?');
      const query = new URLSearchParams(queryStart < 0 ? '' : request.url.slice(queryStart + 1));
      const finish = await deps.sso.finishSignIn(query, readCookie(request.headers.cookie, STATE_COOKIE_NAME), request.id);
      // The state cookie is single-use: it is cleared on success and on failure alike.
      void reply.header('set-cookie', stateCookie('', 0, deps.sso.secureCookies));
      return sendFinish(reply, finish, deps.frameAncestors);
    });
  }
}

function sendStart(reply: FastifyReply, start: SignInStart, deps: SsoRouteDeps): FastifyReply {
  switch (start.kind) {
    case 'redirect':
      setNoStoreHeaders(reply);
      return reply.header('set-cookie', stateCookie(start.stateCookie, STATE_COOKIE_MAX_AGE_SECONDS, deps.sso.secureCookies)).redirect(start.location, 302);
    case 'picker':
      return sendPage(reply, 200, {
        title: 'Choose how to sign in',
        paragraphs: ['Sign in to this Matrix server with one of these accounts.'],
        links: start.providers.map((provider) => ({
          href: `/_matrix/client/v3/login/sso/redirect/${encodeURIComponent(provider.id)}?redirectUrl=${encodeURIComponent(start.redirectUrl)}`,
          text: `Sign in with ${provider.name}`,
        })),
      }, deps.frameAncestors);
    case 'failed':
      return sendPage(reply, start.status, { title: 'Sign-in failed', paragraphs: [start.message] }, deps.frameAncestors);
  }
}

function sendFinish(reply: FastifyReply, finish: SignInFinish, frameAncestors: readonly string[]): FastifyReply {
  switch (finish.kind) {
    case 'redirect':
      setNoStoreHeaders(reply);
      return reply.redirect(finish.location, 302);
    case 'confirm':
      return sendPage(reply, 200, {
        title: `Continue to ${finish.clientHost}?`,
        paragraphs: [
          `You are signed in. The app at ${finish.clientHost} will get access to your Matrix account.`,
          `Continue only if you started this sign-in from an app at ${finish.clientHost}. If you did not, close this page: the link below would give that site your account.`,
        ],
        links: [{ href: finish.location, text: `Continue to ${finish.clientHost}` }],
      }, frameAncestors);
    case 'failed':
      return sendPage(reply, finish.status, { title: 'Sign-in failed', paragraphs: [finish.message] }, frameAncestors);
  }
}

/** Returns a query value given once; a repeated `redirectUrl` is ambiguous and rejected. */
function singleQueryValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) throw new MatrixError('M_INVALID_PARAM', '"redirectUrl" is given more than once; give it once.', { status: 400 });
  return value;
}

/** Builds the state cookie: HttpOnly, and SameSite=Lax so it survives the provider's cross-site redirect back. */
function stateCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  const attributes = [`${STATE_COOKIE_NAME}=${value}`, `Path=${STATE_COOKIE_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
