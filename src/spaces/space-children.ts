import { MatrixError } from '../core/errors.js';

export interface SpaceChild {
  roomId: string;
  content: Record<string, unknown>;
  originServerTs: number;
}

// The spec's limits for a valid `order`: at most 50 characters, each from U+0020 to U+007E.
const VALID_ORDER = /^[\x20-\x7E]{0,50}$/;

/**
 * Orders a space's children as the spec describes. Children with a valid `order` come first, by
 * that string in code-point order, then the rest. Ties go by the child event's timestamp, then by
 * room id.
 */
export function orderSpaceChildren(children: readonly SpaceChild[]): SpaceChild[] {
  const orderOf = (child: SpaceChild) => {
    const order = child.content.order;
    return typeof order === 'string' && VALID_ORDER.test(order) ? order : undefined;
  };
  return [...children].sort((a, b) => {
    const orderA = orderOf(a);
    const orderB = orderOf(b);
    if (orderA !== undefined && orderB === undefined) return -1;
    if (orderA === undefined && orderB !== undefined) return 1;
    if (orderA !== undefined && orderB !== undefined && orderA !== orderB) return orderA < orderB ? -1 : 1;
    if (a.originServerTs !== b.originServerTs) return a.originServerTs - b.originServerTs;
    if (a.roomId === b.roomId) return 0;
    return a.roomId < b.roomId ? -1 : 1;
  });
}

export interface HierarchyPosition {
  rootId: string;
  suggestedOnly: boolean;
  maxDepth: number;
  offset: number;
}

/** Encodes a position in a hierarchy walk, with the options that produced it, as an opaque token. */
export function formatHierarchyToken(position: HierarchyPosition): string {
  const fields = [position.rootId, position.suggestedOnly ? 1 : 0, position.maxDepth, position.offset];
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/**
 * Returns the number of rooms already returned before the token's page. Throws 400
 * M_INVALID_PARAM for a token this server did not issue, or one issued for another room or
 * other `suggested_only` or `max_depth` values.
 */
export function parseHierarchyToken(token: string, expected: Omit<HierarchyPosition, 'offset'>): number {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    fields = undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 4 || !Number.isInteger(fields[3]) || (fields[3] as number) < 0) {
    throw new MatrixError('M_INVALID_PARAM', '"from" is not a token this server issued; pass next_batch of an earlier response.');
  }
  const [rootId, suggested, maxDepth, offset] = fields as [unknown, unknown, unknown, number];
  if (rootId !== expected.rootId || suggested !== (expected.suggestedOnly ? 1 : 0) || maxDepth !== expected.maxDepth) {
    throw new MatrixError('M_INVALID_PARAM', 'suggested_only and max_depth cannot change on paginated requests, and the token belongs to this room only.');
  }
  return offset;
}
