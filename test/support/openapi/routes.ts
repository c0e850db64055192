import type { SpecOperation } from './load.js';

type TemplateSegment = { kind: 'literal'; text: string } | { kind: 'pattern'; regex: RegExp };

/** A path template with every operation that the spec defines for one method on it. */
export interface Route {
  method: string;
  pathTemplate: string;
  segments: TemplateSegment[];
  /** Usually one operation, but the spec defines two for `GET /events` and `POST /rooms/{roomId}/invite`. */
  operations: SpecOperation[];
}

export interface RouteMatch {
  route: Route;
  /** Percent-decoded values of the template's parameters, such as `{ roomId: '!abc:example.org' }`. */
  parameters: Record<string, string>;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseSegment(segment: string): TemplateSegment {
  if (!segment.includes('{')) return { kind: 'literal', text: segment };
  // A parameter matches any decoded segment, including an empty one, because a state key may be
  // empty (`/rooms/{roomId}/state/{eventType}/` with nothing after the slash).
  const source = segment
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? `(?<${part.slice(1, -1)}>.*)` : escapeRegex(part)))
    .join('');
  return { kind: 'pattern', regex: new RegExp(`^${source}$`, 's') };
}

/** Splits a URL path into percent-decoded segments, keeping a segment raw if it is not valid percent-encoding. */
export function decodePathSegments(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

/** Returns the path of a request URL, which may be absolute or a path with a query string. */
export function pathOfUrl(url: string): string {
  return new URL(url, 'http://path.invalid').pathname;
}

/** Routes by method, so a lookup compares the path only with templates for that method. */
export class RouteIndex {
  private readonly routesByMethod = new Map<string, Route[]>();

  constructor(operations: SpecOperation[]) {
    const routesByKey = new Map<string, Route>();
    for (const operation of operations) {
      const key = `${operation.method} ${operation.pathTemplate}`;
      const existing = routesByKey.get(key);
      if (existing) {
        existing.operations.push(operation);
        continue;
      }
      const route: Route = {
        method: operation.method,
        pathTemplate: operation.pathTemplate,
        segments: operation.pathTemplate.split('/').slice(1).map(parseSegment),
        operations: [operation],
      };
      routesByKey.set(key, route);
      const routes = this.routesByMethod.get(route.method) ?? [];
      routes.push(route);
      this.routesByMethod.set(route.method, routes);
    }
  }

  get routeCount(): number {
    let count = 0;
    for (const routes of this.routesByMethod.values()) count += routes.length;
    return count;
  }

  /**
   * Finds the route for a method and URL. When several templates match, the one with a literal
   * segment at the first position where they differ wins, so `/pushrules/global/` beats a
   * template with a parameter there.
   */
  match(method: string, url: string): RouteMatch | undefined {
    const segments = decodePathSegments(pathOfUrl(url));
    let best: { route: Route; parameters: Record<string, string>; literalMask: boolean[] } | undefined;

    for (const route of this.routesByMethod.get(method.toUpperCase()) ?? []) {
      if (route.segments.length !== segments.length) continue;
      const parameters: Record<string, string> = {};
      const literalMask: boolean[] = [];
      let matches = true;

      for (const [index, templateSegment] of route.segments.entries()) {
        const segment = segments[index] ?? '';
        if (templateSegment.kind === 'literal') {
          literalMask.push(true);
          if (templateSegment.text !== segment) {
            matches = false;
            break;
          }
          continue;
        }
        literalMask.push(false);
        const groups = templateSegment.regex.exec(segment)?.groups;
        if (!groups) {
          matches = false;
          break;
        }
        Object.assign(parameters, groups);
      }

      if (matches && (!best || isMoreSpecific(literalMask, best.literalMask))) {
        best = { route, parameters, literalMask };
      }
    }
    return best && { route: best.route, parameters: best.parameters };
  }
}

function isMoreSpecific(candidate: boolean[], current: boolean[]): boolean {
  for (const [index, isLiteral] of candidate.entries()) {
    if (isLiteral !== current[index]) return isLiteral;
  }
  return false;
}
