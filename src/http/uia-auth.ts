/** Returns the `auth` object of an optional request body, or undefined for anything else, which counts as no auth yet. */
export function authOf(body: unknown): Record<string, unknown> | undefined {
  const auth = typeof body === 'object' && body !== null ? (body as { auth?: unknown }).auth : undefined;
  return typeof auth === 'object' && auth !== null && !Array.isArray(auth) ? (auth as Record<string, unknown>) : undefined;
}
