// Avatar routes of the emulated Nextcloud 34: the public GET (with the generated, uploaded,
// placeholder and guest variants, ETag and 304) and the upload and removal of one's own picture.
import { createHash } from 'node:crypto';
import type { Exchange } from './http.js';
import { identifyCaller } from './ocs.js';
import { colourForName, imageDimensions, renderInitials, type Rgb } from './png.js';
import { displayNameOf, type UserRecord } from './state.js';

// Nextcloud accepts uploads of at most 20 MiB.
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const USER_AVATAR_CACHE = 'private, max-age=86400, immutable';
const GUEST_AVATAR_CACHE = 'private, max-age=1800, immutable';

/** Generated images by variant, display name and size, so each is drawn once per emulator. */
export type AvatarImageCache = Map<string, Buffer>;

function httpDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toUTCString();
}

/** Returns the initials Nextcloud draws: the first letter of the first two words of the display name. */
function initialsOf(displayName: string): string {
  return displayName
    .split(' ', 2)
    .filter((part) => part !== '')
    .map((part) => [...part][0] ?? '')
    .join('')
    .toUpperCase();
}

function generatedImage(cache: AvatarImageCache, text: string, colourSource: string, size: number, dark: boolean): Buffer {
  const key = `${dark ? 'dark' : 'light'}:${text}:${colourSource}:${size}`;
  let image = cache.get(key);
  if (image === undefined) {
    image = renderInitials(text, size, colourForName(colourSource), dark);
    cache.set(key, image);
  }
  return image;
}

function guestImage(cache: AvatarImageCache, name: string, size: number): Buffer {
  const key = `guest:${name}:${size}`;
  let image = cache.get(key);
  if (image === undefined) {
    const [r, g, b] = colourForName(name);
    // Guest avatars use other colours than the account's generated avatar.
    const colour: Rgb = [b, r, g];
    image = renderInitials(([...name][0] ?? '?').toUpperCase(), size, colour, false);
    cache.set(key, image);
  }
  return image;
}

/** Builds the 32-hex ETag of a stored avatar file; it changes whenever the file is rewritten. */
function etagOf(user: UserRecord, variant: string, size: number): string {
  return createHash('md5').update(`${variant}\0${user.uid}\0${size}\0${user.avatar.fileVersion}`).digest('hex');
}

function ifNoneMatchHits(ex: Exchange, etag: string): boolean {
  const header = ex.header('if-none-match');
  if (header === undefined) return false;
  return header.split(',').some((candidate) => candidate.trim() === `"${etag}"` || candidate.trim() === '*');
}

/** GET or HEAD /avatar/{uid}/{size}[/dark]. No credentials are needed; a Bearer token matters only for private avatars. */
export function handleAvatarGet(ex: Exchange, cache: AvatarImageCache, uid: string, sizeSegment: string, dark: boolean): void {
  const caller = identifyCaller(ex);
  const viewer = caller.kind === 'user' ? caller.user : undefined;
  if (viewer !== undefined) ex.authenticatedUid = viewer.uid;
  // PHP's int cast turns a non-numeric size into 0; anything up to 64 is served as 64.
  const requested = Number.parseInt(sizeSegment, 10) || 0;
  const size = requested <= 64 ? 64 : 512;
  const now = ex.state.now();

  const target = ex.state.findUser(uid);
  if (target === undefined || !target.enabled) {
    if (target === undefined && ex.query('guestFallback') !== 'true') {
      ex.sendJson(404, []);
      return;
    }
    const image = guestImage(cache, target?.uid ?? uid, size);
    ex.send(target === undefined ? 201 : 200, {
      'Cache-Control': GUEST_AVATAR_CACHE,
      'Content-Type': 'image/png',
      'X-NC-IsCustomAvatar': '0',
      'Content-Disposition': 'inline; filename="avatar.png"',
      Expires: httpDate(now + 1800),
    }, image);
    return;
  }

  let image: Buffer;
  let contentType = 'image/png';
  let fileName: string;
  let custom = false;
  let variant: string;
  const hidden = target.avatar.private && viewer?.uid !== target.uid;
  const uploaded = target.avatar.uploaded;
  if (hidden) {
    image = generatedImage(cache, initialsOf(displayNameOf(target)), displayNameOf(target), size, false);
    fileName = `avatar-placeholder.${size}.png`;
    variant = 'placeholder';
  } else if (uploaded !== null) {
    // NOTE: Nextcloud stores resized 64 and 512 pixel copies; the emulator serves the uploaded bytes at every size.
    image = uploaded.bytes;
    contentType = uploaded.type;
    fileName = `avatar.${size}.${uploaded.type === 'image/jpeg' ? 'jpg' : 'png'}`;
    custom = true;
    variant = 'uploaded';
  } else {
    image = generatedImage(cache, initialsOf(displayNameOf(target)), displayNameOf(target), size, dark);
    fileName = dark ? `avatar-dark.${size}.png` : `avatar.${size}.png`;
    variant = dark ? 'dark' : 'generated';
  }

  const etag = etagOf(target, variant, size);
  const headers = {
    'Cache-Control': USER_AVATAR_CACHE,
    'Last-Modified': httpDate(target.avatar.lastModified),
    ETag: `"${etag}"`,
    'Content-Type': contentType,
    'X-NC-IsCustomAvatar': custom ? '1' : '0',
    'Content-Disposition': `inline; filename="${fileName}"`,
    Expires: httpDate(now + 86400),
  };
  // If-Modified-Since is ignored, as in Nextcloud 34.
  if (ifNoneMatchHits(ex, etag)) {
    ex.send(304, headers);
    return;
  }
  ex.send(200, headers, image);
}

function firstUploadedFile(ex: Exchange): Buffer | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ex.header('content-type') ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = ex.body.indexOf(delimiter);
  while (start >= 0) {
    const next = ex.body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = ex.body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after and before the delimiters
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0 && /name="files\[\]"/.test(part.subarray(0, headerEnd).toString('utf8'))) {
      return part.subarray(headerEnd + 4);
    }
    start = next;
  }
  return undefined;
}

/**
 * POST or DELETE /avatar/: sets or removes the caller's own picture. This is not an OCS route, so a
 * Bearer token passes the CSRF check only together with `OCS-APIRequest: true`.
 */
export function handleAvatarChange(ex: Exchange): void {
  const caller = identifyCaller(ex);
  if (caller.kind !== 'user') {
    ex.sendJson(401, { message: 'Current user is not logged in' });
    return;
  }
  ex.authenticatedUid = caller.user.uid;
  const hasRequestToken = ex.state.isValidRequestToken(ex.session, ex.param('requesttoken') ?? ex.header('requesttoken'));
  if (ex.header('ocs-apirequest') !== 'true' && !hasRequestToken) {
    ex.sendJson(412, { message: 'CSRF check failed' });
    return;
  }
  const user = caller.user;
  if (ex.method === 'DELETE') {
    user.avatar.uploaded = null;
    user.avatar.fileVersion += 1;
    user.avatar.lastModified = ex.state.now();
    ex.sendJson(200, []);
    return;
  }

  const file = firstUploadedFile(ex);
  if (file === undefined) {
    ex.sendJson(400, { data: { message: 'No image file provided' } });
    return;
  }
  if (file.length > MAX_UPLOAD_BYTES) {
    ex.sendJson(400, { data: { message: 'File is too big' } });
    return;
  }
  const dimensions = imageDimensions(file);
  if (dimensions === null) {
    // TODO: the reply for a file that is neither PNG nor JPEG is not recorded; this status and message are guesses.
    ex.sendJson(400, { data: { message: 'Unknown filetype' } });
    return;
  }
  if (dimensions.width !== dimensions.height) {
    // Nextcloud sets nothing and returns the picture for cropping in the browser.
    ex.sendJson(200, { data: 'notsquare', image: `data:${dimensions.type};base64,${file.toString('base64')}` });
    return;
  }
  user.avatar.uploaded = { bytes: Buffer.from(file), type: dimensions.type };
  user.avatar.fileVersion += 1;
  user.avatar.lastModified = ex.state.now();
  ex.sendJson(200, { status: 'success' });
}
