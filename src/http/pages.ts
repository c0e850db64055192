/**
 * Small HTML pages shown in the browser during single sign-on: provider picker, confirmation and
 * errors. Every text is HTML-escaped, and the pages load nothing and run no script except the
 * fixed completion script of the user-interactive auth fallback.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export interface PageLink {
  href: string;
  text: string;
}

export interface Page {
  title: string;
  paragraphs: string[];
  links?: PageLink[];
  /** An inline script, admitted by its hash; only the UIA fallback's completion page has one. */
  script?: string;
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}',
  'a.button{display:inline-block;margin:.25rem .5rem .25rem 0;padding:.5rem 1rem;border-radius:.375rem;background:#0b5cd5;color:#fff;text-decoration:none}',
].join('');

/**
 * Builds the Content-Security-Policy that admits only the stylesheet above and the page's own
 * script, if any, by hash: no other scripts, no images and no form posts. Frames are forbidden
 * unless `frameAncestors` names origins that may embed the page.
 */
export function pageContentSecurityPolicy(frameAncestors: readonly string[] = [], script?: string): string {
  return [
    "default-src 'none'",
    `style-src '${sha256Source(STYLE)}'`,
    ...(script === undefined ? [] : [`script-src '${sha256Source(script)}'`]),
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length === 0 ? "'none'" : frameAncestors.join(' ')}`,
  ].join('; ');
}

function sha256Source(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/** Escapes the five characters that are special in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function renderPage(page: Page): string {
  const paragraphs = page.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  const links = (page.links ?? [])
    .map((link) => `<a class="button" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a>`)
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    paragraphs,
    links ? `<p>${links}</p>` : '',
    page.script === undefined ? '' : `<script>${page.script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Sends a page that no cache keeps and no Referer leaks from, with one Content-Security-Policy
 * header. Only the `frameAncestors` origins may show it in a frame, and with none,
 * `X-Frame-Options: DENY` also covers browsers that predate `frame-ancestors`.
 */
export function sendPage(reply: FastifyReply, status: number, page: Page, frameAncestors: readonly string[] = []): FastifyReply {
  setNoStoreHeaders(reply);
  if (frameAncestors.length === 0) void reply.header('x-frame-options', 'DENY');
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageContentSecurityPolicy(frameAncestors, page.script))
    .header('x-content-type-options', 'nosniff')
    .send(renderPage(page));
}

/** Sets `Cache-Control: no-store` and `Referrer-Policy: no-referrer`, for any response that carries a login token or sign-in state. */
export function setNoStoreHeaders(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
}
