import { MatrixError } from '../core/errors.js';

/**
 * Tokens for /sync and /messages name a point in the one event stream: `s<position>` means
 * "after every event at or below this position". Clients treat them as opaque.
 */
export function formatStreamToken(position: number): string {
  return `s${Math.max(0, position)}`;
}

export function parseStreamToken(token: string, parameter: string): number {
  const match = /^s(\d{1,15})$/.exec(token);
  if (!match?.[1]) throw new MatrixError('M_INVALID_PARAM', `"${parameter}" is not a token this server issued.`);
  return Number(match[1]);
}
