// Request context and reply helpers shared by the emulator's routes. Every reply carries the
// headers and session cookies that Nextcloud 34 sends on all responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { phpJson, randomAlphanumeric, type PhpValue } from './php.js';
import type { NextcloudState, SessionRecord, UserRecord } from './state.js';

/** The CSP of redirects, JSON and OCS replies. */
export const CSP_NONE = "default-src 'none';base-uri 'none';manifest-src 'self';frame-ancestors 'none'";

/**
 * Builds the CSP of an HTML page. Only `frame-ancestors`, `form-action` and the nonce-based
 * `script-src` follow the recording; the other directives approximate Nextcloud's defaults.
 */
export function htmlPageCsp(formActionExtra?: string): string {
  const nonce = randomBytes(32).toString('base64');
  const formAction = formActionExtra === undefined ? "'self'" : `'self' ${formActionExtra}`;
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'self'",
    `form-action ${formAction}`,
  ].join(';');
}

const MARKER_COOKIE_ATTRIBUTES = 'path=/; httponly;expires=Fri, 31-Dec-2100 23:59:59 GMT;';

export class Exchange {
  readonly url: URL;
  readonly method: string;
  readonly cookies: Map<string, string>;
  /** The session named by the request's cookies, or a fresh one whose cookies this reply sets. */
  session: SessionRecord;
  private sessionCookiesDue: boolean;
  private readonly form: URLSearchParams;
  /** Canonical uid that authenticated this request, sent back as `X-User-Id`. */
  authenticatedUid: string | undefined;

  constructor(
    readonly state: NextcloudState,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly body: Buffer,
    readonly baseUrl: string,
  ) {
    this.url = new URL(req.url ?? '/', baseUrl);
    this.method = req.method ?? 'GET';
    this.cookies = parseCookieHeader(this.header('cookie'));
    this.form = parseForm(this.header('content-type'), body);

    const existing = this.sessionFromCookies();
    this.session = existing ?? state.createSession();
    this.sessionCookiesDue = existing === undefined;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  query(name: string): string | undefined {
    return this.url.searchParams.get(name) ?? undefined;
  }

  /** Reads a parameter like Nextcloud's Request: a body value wins over the query string. */
  param(name: string): string | undefined {
    return this.form.get(name) ?? this.query(name);
  }

  /** Reports whether the request carried the instance's session cookie, valid or not. */
  hasSessionCookie(): boolean {
    return this.cookies.has(this.state.instanceCookieName);
  }

  private sessionFromCookies(): SessionRecord | undefined {
    const id = this.cookies.get(this.state.instanceCookieName);
    const passphrase = this.cookies.get('oc_sessionPassphrase');
    if (id === undefined || passphrase === undefined) return undefined;
    const session = this.state.sessions.get(id);
    // Nextcloud encrypts the session with the passphrase, so a wrong one yields an empty session.
    if (session === undefined || session.passphrase !== passphrase) return undefined;
    return session;
  }

  /** Returns the existing account logged in through this browser session, if any. */
  sessionUser(): UserRecord | undefined {
    if (this.session.userId === undefined) return undefined;
    const user = this.state.findUser(this.session.userId);
    return user !== undefined && user.uid === this.session.userId ? user : undefined;
  }

  /** Replaces the session id and passphrase, as PHP does when a user logs in. */
  regenerateSession(): void {
    this.session = this.state.regenerateSession(this.session);
    this.sessionCookiesDue = true;
  }

  private setCookieHeaders(): string[] {
    const cookies: string[] = [];
    if (this.sessionCookiesDue) {
      cookies.push(`${this.state.instanceCookieName}=${this.session.id}; path=/; HttpOnly; SameSite=Lax`);
      cookies.push(`oc_sessionPassphrase=${encodeURIComponent(this.session.passphrase)}; path=/; HttpOnly; SameSite=Lax`);
    }
    if (this.cookies.get('nc_sameSiteCookielax') !== 'true' || this.cookies.get('nc_sameSiteCookiestrict') !== 'true') {
      cookies.push(`nc_sameSiteCookielax=true; ${MARKER_COOKIE_ATTRIBUTES} SameSite=lax`);
      cookies.push(`nc_sameSiteCookiestrict=true; ${MARKER_COOKIE_ATTRIBUTES} SameSite=strict`);
    }
    return cookies;
  }

  /** Sends a reply with the headers every Nextcloud response has; `headers` may override them. */
  send(status: number, headers: Record<string, string>, body: Buffer | string = ''): void {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const merged: Record<string, string | string[]> = {
      'X-Frame-Options': 'SAMEORIGIN',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'X-Robots-Tag': 'noindex, nofollow',
      'X-Request-Id': randomAlphanumeric(20),
      'Content-Security-Policy': CSP_NONE,
      ...headers,
      'Content-Length': String(payload.length),
    };
    if (this.authenticatedUid !== undefined) merged['X-User-Id'] = this.authenticatedUid;
    const cookies = this.setCookieHeaders();
    if (cookies.length > 0) merged['Set-Cookie'] = cookies;
    this.res.writeHead(status, merged);
    this.res.end(payload);
  }

  sendJson(status: number, data: PhpValue, headers: Record<string, string> = {}): void {
    this.send(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, phpJson(data));
  }

  sendHtml(status: number, html: string, csp: string): void {
    this.send(status, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Security-Policy': csp }, html);
  }

  /** Sends Nextcloud's RedirectResponse: a 303 with an empty body. */
  redirect(location: string): void {
    this.send(303, { Location: location, 'Content-Type': 'text/html; charset=UTF-8' });
  }

  /** Reports whether the client accepts HTML, which decides between error pages and JSON errors. */
  acceptsHtml(): boolean {
    return (this.header('accept') ?? '').toLowerCase().includes('html');
  }
}

function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    const raw = part.slice(index + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // PHP keeps a cookie value it cannot decode as it is.
    }
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

function parseForm(contentType: string | undefined, body: Buffer): URLSearchParams {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(body.toString('utf8'));
  if (type === 'application/json') {
    // Nextcloud's Request also reads parameters from a JSON body.
    const params = new URLSearchParams();
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) {
          if (typeof value === 'string' || typeof value === 'number') params.set(key, String(value));
        }
      }
    } catch {
      // An unparsable JSON body carries no parameters.
    }
    return params;
  }
  return new URLSearchParams();
}

/** Percent-decodes one path segment. A `+` stays a literal plus, as in any URL path. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#039;');
}
