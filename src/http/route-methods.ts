/**
 * Remembers which methods each route path accepts, so a request for a known path with another
 * method gets the spec's 405 M_UNRECOGNIZED instead of the 404 for unknown endpoints.
 */
export class RouteMethodIndex {
  private readonly routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];

  add(url: string, methods: string | string[]): void {
    // Catch-all routes (CORS preflight, static web client files) would match every path.
    if (url === '*' || url === '/*') return;
    const pattern = toRegExp(url);
    const existing = this.routes.find((route) => route.pattern.source === pattern.source);
    const list = Array.isArray(methods) ? methods : [methods];
    if (existing) list.forEach((method) => existing.methods.add(method));
    else this.routes.push({ pattern, methods: new Set(list) });
  }

  /** Whether some route serves this path, but none with this method. */
  isKnownPathWithOtherMethod(path: string, method: string): boolean {
    const matching = this.routes.filter((route) => route.pattern.test(path));
    return matching.length > 0 && !matching.some((route) => route.methods.has(method));
  }
}

function toRegExp(url: string): RegExp {
  const trimmed = url.length > 1 ? url.replace(/\/+$/, '') : url;
  const source = trimmed
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
