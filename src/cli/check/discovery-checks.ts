import type { LatticeConfig } from '../../config/schema.js';
import { fail, fetchForCheck, pass, type CheckResult } from './result.js';

/** Fetches `/.well-known/matrix/client` and `/server` through public_baseurl and compares them with the config. */
export async function checkWellKnown(config: LatticeConfig): Promise<CheckResult[]> {
  const expectedBaseurl = config.public_baseurl.replace(/\/$/, '');
  const expectedServer = /:\d+$/.test(config.server_name) ? config.server_name : `${config.server_name}:8448`;
  return [
    await checkDocument(config, 'client', (body) => readPath(body, ['m.homeserver', 'base_url']), expectedBaseurl),
    await checkDocument(config, 'server', (body) => readPath(body, ['m.server']), expectedServer),
  ];
}

async function checkDocument(
  config: LatticeConfig, name: 'client' | 'server', read: (body: unknown) => unknown, expected: string,
): Promise<CheckResult> {
  const url = `${config.public_baseurl}.well-known/matrix/${name}`;
  const title = `/.well-known/matrix/${name} through public_baseurl`;
  const proxyFix = `Start Lattice (lattice start) and make the reverse proxy forward /.well-known/matrix/ on ${new URL(config.public_baseurl).host} to ${config.listen.host}:${config.listen.port}.`;
  const fetched = await fetchForCheck(url);
  if (!fetched.ok) {
    const host = new URL(config.public_baseurl).hostname;
    const fix = fetched.error.startsWith('ENOTFOUND') ? `Create a DNS record for ${host} that points to this server. ${proxyFix}` : proxyFix;
    return fail(title, `${url} cannot be fetched: ${fetched.error}`, fix);
  }
  if (fetched.response.status !== 200) return fail(title, `${url} answered HTTP ${fetched.response.status}`, proxyFix);
  let body: unknown;
  try {
    body = JSON.parse(fetched.body);
  } catch {
    return fail(title, `${url} did not return JSON`, proxyFix);
  }
  const found = read(body);
  const normalised = typeof found === 'string' && name === 'client' ? found.replace(/\/$/, '') : found;
  if (normalised !== expected) {
    return fail(title, `it names ${JSON.stringify(found)}, the config implies "${expected}"`,
      'Another server or a static file answers this path: remove that file or rule so the reverse proxy passes /.well-known/matrix/ to Lattice, or correct public_baseurl.');
  }
  return pass(title, expected);
}

function readPath(body: unknown, path: string[]): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
