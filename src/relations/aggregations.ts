import { toClientEvent } from '../rooms/client-event.js';
import type { StoredEvent } from '../storage/events.js';
import type { RelationStore } from '../storage/relations.js';

/**
 * Builds the bundled aggregations that go into `unsigned["m.relations"]`: the most recent
 * valid edit (`m.replace`), the thread summary (`m.thread`) and the references
 * (`m.reference`). Annotations (reactions) are not aggregated, as the spec defines, and
 * clients fetch them through /relations.
 */
export class RelationAggregator {
  constructor(
    private readonly relations: RelationStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the `m.relations` object of each event that has any, by event id. */
  async bundle(batch: readonly StoredEvent[], viewerId: string | undefined): Promise<Map<string, Record<string, unknown>>> {
    const bundles = new Map<string, Record<string, unknown>>();
    if (batch.length === 0) return bundles;
    const ids = batch.map((event) => event.eventId);
    const [edits, threads, references] = await Promise.all([
      this.edits(batch),
      this.relations.threadSummaries(ids),
      this.relations.references(ids),
    ]);
    const latestEvents = [...threads.values()].map((summary) => summary.latest);
    const latestEdits = await this.edits(latestEvents);

    const put = (eventId: string, key: string, value: unknown) => bundles.set(eventId, { ...bundles.get(eventId), [key]: value });
    for (const [eventId, edit] of edits) put(eventId, 'm.replace', this.format(edit));
    for (const [eventId, summary] of threads) {
      const latest = this.format(summary.latest);
      const latestEdit = latestEdits.get(summary.latest.eventId);
      // The latest event carries its own edit, so clients show the thread's newest text.
      if (latestEdit) latest.unsigned = { ...latest.unsigned, 'm.relations': { 'm.replace': this.format(latestEdit) } };
      const root = batch.find((event) => event.eventId === eventId);
      const participated = viewerId !== undefined && (summary.participants.has(viewerId) || root?.sender === viewerId);
      put(eventId, 'm.thread', { latest_event: latest, count: summary.count, current_user_participated: participated });
    }
    for (const [eventId, referenceIds] of references) put(eventId, 'm.reference', { chunk: referenceIds.map((id) => ({ event_id: id })) });
    return bundles;
  }

  /**
   * Finds the latest valid edit of each event. A redacted original, a state event and an event
   * that is itself a replacement get none, as the spec requires.
   */
  private async edits(batch: readonly StoredEvent[]): Promise<Map<string, StoredEvent>> {
    const editable = batch.filter((event) => event.redactedBy === null && event.stateKey === null && !isReplacement(event));
    return this.relations.latestEdits(editable.map((event) => ({ eventId: event.eventId, sender: event.sender, type: event.type, roomId: event.roomId })));
  }

  private format(event: StoredEvent): ReturnType<typeof toClientEvent> {
    return toClientEvent(event, { now: this.now(), includeRoomId: true });
  }
}

function isReplacement(event: StoredEvent): boolean {
  const content = event.json.content as { 'm.relates_to'?: { rel_type?: unknown } } | undefined;
  return content?.['m.relates_to']?.rel_type === 'm.replace';
}
