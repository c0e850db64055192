/**
 * Unpadded Base64 as the Matrix spec defines it: RFC 4648 without `=` padding, in the standard
 * alphabet or, for event ids from room version 4 on, the URL-safe alphabet (`-` and `_`).
 */

/** Encodes bytes as unpadded standard Base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** Encodes bytes as unpadded URL-safe Base64. */
export function encodeUrlSafeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes Base64 in either alphabet, with or without padding, because the spec recommends that decoders
 * accept both. Non-zero trailing bits are accepted too: the spec's own test seed has them.
 * Throws an Error when the text contains characters outside both alphabets.
 */
export function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new Error(`Invalid Base64 text: ${JSON.stringify(text.slice(0, 64))}`);
  }
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
