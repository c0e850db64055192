import { MatrixError } from '../core/errors.js';

/**
 * The start of the next page of a search. Results by recency continue below a stream position, and
 * the token records how many results came before, for `count`. Results by rank continue at an
 * offset into the ranked list.
 */
export type SearchPosition =
  | { orderBy: 'recent'; before: number; returned: number }
  | { orderBy: 'rank'; offset: number };

export function formatSearchToken(position: SearchPosition): string {
  return position.orderBy === 'recent' ? `r${position.before}_${position.returned}` : `k${position.offset}`;
}

/** Parses a `next_batch` token. Throws 400 M_INVALID_PARAM for a token this server did not issue for this order. */
export function parseSearchToken(token: string, orderBy: 'rank' | 'recent'): SearchPosition {
  const recent = /^r(\d{1,15})_(\d{1,9})$/.exec(token);
  if (orderBy === 'recent' && recent) return { orderBy, before: Number(recent[1]), returned: Number(recent[2]) };
  const rank = /^k(\d{1,9})$/.exec(token);
  if (orderBy === 'rank' && rank) return { orderBy, offset: Number(rank[1]) };
  throw new MatrixError('M_INVALID_PARAM', `"next_batch" is not a token this server issued for order_by "${orderBy}"; send the same request as the page that returned it.`);
}
