import { readFileSync } from 'node:fs';

/**
 * The version from package.json, read at run time. The relative path is the same from `src/admin`
 * and from the bundle in `dist/bundle`, whose build keeps every output file in that one folder.
 */
export function serverVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return `lattice/${manifest.version ?? 'unknown'}`;
}
