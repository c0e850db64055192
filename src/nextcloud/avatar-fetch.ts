/**
 * Reads a Nextcloud avatar: `GET {url}/index.php/avatar/{uid}/512`. Nextcloud 34 marks an uploaded
 * picture with `X-NC-IsCustomAvatar: 1`; generated initials, placeholders of private avatars and
 * the guest image of a disabled account carry `0`. The ETag changes whenever the file is
 * rewritten, even with the same bytes, so callers compare a hash of the bytes as well.
 */
import { createHash } from 'node:crypto';

/** Nextcloud refuses avatar uploads above 20 MiB, so a larger reply is not an avatar. */
const MAX_AVATAR_BYTES = 20 * 1024 * 1024;
const AVATAR_SIZE = 512;

export type AvatarFetchResult =
  | { kind: 'custom'; bytes: Buffer; sha256: string; contentType: string; etag: string | undefined }
  | { kind: 'generated'; etag: string | undefined }
  | { kind: 'failed'; status: number };

/**
 * Fetches the 512-pixel avatar. `authorization` is the user's own `Bearer` token at sign-in,
 * which is what shows a private avatar, or undefined for an anonymous read. Throws on network
 * errors and timeouts; HTTP failures come back as `failed` with the status.
 */
export async function fetchAvatar(baseUrl: string, uid: string, authorization: string | undefined, timeoutMs: number): Promise<AvatarFetchResult> {
  const url = `${baseUrl}/index.php/avatar/${encodeURIComponent(uid)}/${AVATAR_SIZE}`;
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  const etag = response.headers.get('etag') ?? undefined;
  if (response.status !== 200) {
    await response.body?.cancel();
    return { kind: 'failed', status: response.status };
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (response.headers.get('x-nc-iscustomavatar') !== '1' || !contentType.startsWith('image/')) {
    await response.body?.cancel();
    return { kind: 'generated', etag };
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_AVATAR_BYTES) {
    await response.body?.cancel();
    return { kind: 'failed', status: response.status };
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length === 0 || bytes.length > MAX_AVATAR_BYTES) return { kind: 'failed', status: response.status };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { kind: 'custom', bytes, sha256, contentType: contentType.split(';')[0]?.trim() ?? contentType, etag };
}
