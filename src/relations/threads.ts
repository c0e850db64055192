import type { RelationStore } from '../storage/relations.js';

// The spec recommends following at most 3 relations to find an event's thread.
const MAX_THREAD_HOPS = 3;

/**
 * Finds the thread of each event: an `m.thread` relation names its root directly, and another
 * relation (an edit, a reaction) puts the event in the thread of its parent. Events in the main
 * timeline, thread roots among them, are absent from the result.
 */
export async function findThreadRoots(relations: RelationStore, eventIds: readonly string[]): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  // For each event still unresolved: the event whose relation is looked up next.
  let pending = new Map(eventIds.map((eventId) => [eventId, eventId]));
  for (let hop = 0; hop < MAX_THREAD_HOPS && pending.size > 0; hop += 1) {
    const found = await relations.relationsOf([...new Set(pending.values())]);
    const next = new Map<string, string>();
    for (const [eventId, current] of pending) {
      const relation = found.get(current);
      if (!relation) continue;
      if (relation.relType === 'm.thread') roots.set(eventId, relation.relatesToId);
      else next.set(eventId, relation.relatesToId);
    }
    pending = next;
  }
  return roots;
}

/** Returns the thread id receipts and counts use for an event: its root's id, or `main`. */
export function threadIdOf(roots: ReadonlyMap<string, string>, eventId: string): string {
  return roots.get(eventId) ?? 'main';
}
