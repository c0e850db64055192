import type { RoomVersion } from '../core/index.js';
import type { StoredEvent } from '../storage/events.js';

/** The room data that the writer reads before it builds an event, as of the room's last known event. */
export interface CachedRoom {
  roomId: string;
  version: RoomVersion;
  createEvent: StoredEvent;
  /** Forward extremities, which the next event names as its prev_events. */
  extremities: Array<{ eventId: string; depth: number }>;
  /**
   * Current state events by `stateKey(type, key)`, filled as the auth rules ask for them; null
   * records that the room has no event for that key.
   */
  state: Map<string, StoredEvent | null>;
}

/**
 * Rooms the writer has recently written to, least recently used first, with a bound on the state
 * events held over all rooms. The writer trusts an entry only as far as the store's commit checks
 * it: persisting fails when the room's forward extremities differ from the cached ones, and every
 * state change also changes the extremities.
 */
export class RoomStateCache {
  private readonly rooms = new Map<string, CachedRoom>();
  private stateEntries = 0;

  constructor(private readonly maxStateEntries: number) {}

  get(roomId: string): CachedRoom | undefined {
    const room = this.rooms.get(roomId);
    if (!room) return undefined;

    // Reinserting moves the room to the most recently used end of the map's order.
    this.rooms.delete(roomId);
    this.rooms.set(roomId, room);
    return room;
  }

  add(room: CachedRoom): void {
    this.delete(room.roomId);
    this.rooms.set(room.roomId, room);
    this.stateEntries += room.state.size;
    this.evictOverBudget(room.roomId);
  }

  /** Records a current state event, or its absence, of a cached room. */
  setState(room: CachedRoom, key: string, event: StoredEvent | null): void {
    if (this.rooms.get(room.roomId) !== room) return;
    if (!room.state.has(key)) this.stateEntries += 1;
    room.state.set(key, event);
    this.evictOverBudget(room.roomId);
  }

  delete(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.stateEntries -= room.state.size;
    this.rooms.delete(roomId);
  }

  private evictOverBudget(keepRoomId: string): void {
    for (const [roomId, room] of this.rooms) {
      if (this.stateEntries <= this.maxStateEntries) return;
      if (roomId === keepRoomId) {
        // One room alone is over the budget: start its state over rather than drop it.
        this.stateEntries -= room.state.size;
        room.state.clear();
        continue;
      }
      this.delete(roomId);
    }
  }
}
