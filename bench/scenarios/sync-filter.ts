/**
 * The filter the latency receivers sync with: the timeline only, lazy-loaded members and no
 * presence or account data, so each long-poll response carries just the new messages.
 */
export const LONG_POLL_FILTER = JSON.stringify({
  room: { timeline: { limit: 100 }, state: { lazy_load_members: true }, account_data: { not_types: ['*'] } },
  presence: { not_types: ['*'] },
  account_data: { not_types: ['*'] },
});

export interface SyncResponseBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: Array<{ event_id?: string }>; limited?: boolean } }> };
}

export function syncPath(options: { since?: string; timeoutMs?: number; filter?: string }): string {
  const query = new URLSearchParams();
  if (options.since !== undefined) query.set('since', options.since);
  if (options.timeoutMs !== undefined) query.set('timeout', String(options.timeoutMs));
  if (options.filter !== undefined) query.set('filter', options.filter);
  const text = query.toString();
  return `/_matrix/client/v3/sync${text ? `?${text}` : ''}`;
}

/** Event ids of every joined room's timeline in a /sync response. */
export function timelineEventIds(body: SyncResponseBody): string[] {
  const ids: string[] = [];
  for (const room of Object.values(body.rooms?.join ?? {})) {
    for (const event of room.timeline?.events ?? []) if (typeof event.event_id === 'string') ids.push(event.event_id);
  }
  return ids;
}
