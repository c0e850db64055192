import { baseType } from './thumbnailer.js';

/**
 * Types that may be shown inline: the spec's list of types unlikely to run script when served with
 * an explicit Content-Type. Everything else, HTML and SVG included, is sent as an attachment.
 */
const INLINE_TYPES = new Set([
  'text/css', 'text/plain', 'text/csv', 'application/json', 'application/ld+json',
  'image/jpeg', 'image/gif', 'image/png', 'image/apng', 'image/webp', 'image/avif',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime',
  'audio/mp4', 'audio/webm', 'audio/aac', 'audio/mpeg', 'audio/ogg', 'audio/wave', 'audio/wav',
  'audio/x-wav', 'audio/x-pn-wav', 'audio/flac', 'audio/x-flac',
]);

/**
 * Synapse's policy for media responses: a sandboxed document that loads and runs nothing, so an
 * uploaded HTML or SVG file opened directly in the browser is inert on this origin.
 */
export const MEDIA_CONTENT_SECURITY_POLICY =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

/** Headers of every media download and thumbnail response. */
export function mediaHeaders(contentType: string | undefined, fileName: string | undefined): Record<string, string> {
  const type = contentType ?? 'application/octet-stream';
  return {
    'content-type': type,
    'content-disposition': contentDisposition(type, fileName),
    'x-content-type-options': 'nosniff',
    'content-security-policy': MEDIA_CONTENT_SECURITY_POLICY,
    'cross-origin-resource-policy': 'cross-origin',
    // Content under a media id never changes, so caches may keep it.
    'cache-control': 'private, max-age=31536000, immutable',
  };
}

/** Builds `inline` or `attachment` with the file name encoded as RFC 6266 and RFC 8187 describe. */
export function contentDisposition(contentType: string, fileName: string | undefined): string {
  const disposition = INLINE_TYPES.has(baseType(contentType)) ? 'inline' : 'attachment';
  if (fileName === undefined || fileName === '') return disposition;
  if (/^[\x20-\x7e]*$/.test(fileName) && !/["\\]/.test(fileName)) return `${disposition}; filename="${fileName}"`;
  return `${disposition}; filename*=utf-8''${encodeRfc8187(fileName)}`;
}

/** Percent-encodes everything outside RFC 8187's attr-char set. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
