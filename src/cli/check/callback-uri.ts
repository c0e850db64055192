/** The callback path Lattice serves, the same as Synapse's since version 1.27. */
export const CALLBACK_PATH = '_synapse/client/oidc/callback';
/** The path Synapse served before 1.27; clients registered back then still name it. */
const OLD_CALLBACK_PATH = '/_synapse/oidc/callback';

/** Returns why the registered callback URI differs from the expected one, or undefined when they are equal. */
export function describeCallbackMismatch(registered: string, expected: string): string | undefined {
  if (registered === expected) return undefined;
  let registeredUrl: URL;
  try {
    registeredUrl = new URL(registered);
  } catch {
    return `Nextcloud sends browsers to "${registered}", which is not a URL`;
  }
  const expectedUrl = new URL(expected);
  if (registeredUrl.pathname.replace(/\/$/, '').endsWith(OLD_CALLBACK_PATH)) {
    return `the client is registered with ${registered}, the path of Synapse before 1.27 (${OLD_CALLBACK_PATH}); Lattice serves /${CALLBACK_PATH}`;
  }
  if (registeredUrl.protocol !== expectedUrl.protocol && registeredUrl.host === expectedUrl.host && registeredUrl.pathname === expectedUrl.pathname) {
    return `the client is registered with ${registeredUrl.protocol.slice(0, -1)}:// but public_baseurl uses ${expectedUrl.protocol.slice(0, -1)}:// (${registered})`;
  }
  if (registered === `${expected}/` || `${registered}/` === expected) {
    return `the registered URI ${registered} differs from ${expected} only in a trailing slash, and Nextcloud compares nothing but uses it as registered`;
  }
  if (registeredUrl.host !== expectedUrl.host) {
    return `the client is registered for ${registeredUrl.host}, but public_baseurl is on ${expectedUrl.host} (${registered})`;
  }
  return `the client is registered with ${registered}`;
}
