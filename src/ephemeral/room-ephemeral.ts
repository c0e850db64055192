import type { ReceiptService } from './receipts.js';
import type { TypingService } from './typing.js';

/** Assembles a joined room's `ephemeral` section of /sync: `m.typing` and `m.receipt`. */
export class RoomEphemeral {
  constructor(
    private readonly typing: TypingService,
    private readonly receipts: ReceiptService,
  ) {}

  /** Ephemeral events of the room that changed in (since, upTo], or the current ones for an initial sync. */
  async eventsFor(userId: string, roomId: string, since: number | undefined, upTo: number): Promise<Array<{ type: string; content: Record<string, unknown> }>> {
    const events: Array<{ type: string; content: Record<string, unknown> }> = [];
    const typing = this.typing.typingUsers(roomId, since, upTo);
    if (typing) events.push({ type: 'm.typing', content: { user_ids: typing } });
    const receipt = await this.receipts.receiptEvent(userId, roomId, since, upTo);
    if (receipt) events.push(receipt);
    return events;
  }

  /** Returns the ephemeral events of many rooms, as eventsFor does, with one receipt query. Rooms with none are absent. */
  async eventsForRooms(userId: string, roomIds: readonly string[], since: number | undefined, upTo: number): Promise<Map<string, Array<{ type: string; content: Record<string, unknown> }>>> {
    const receipts = await this.receipts.receiptEvents(userId, roomIds, since, upTo);
    const byRoom = new Map<string, Array<{ type: string; content: Record<string, unknown> }>>();
    for (const roomId of roomIds) {
      const events: Array<{ type: string; content: Record<string, unknown> }> = [];
      const typing = this.typing.typingUsers(roomId, since, upTo);
      if (typing) events.push({ type: 'm.typing', content: { user_ids: typing } });
      const receipt = receipts.get(roomId);
      if (receipt) events.push(receipt);
      if (events.length > 0) byRoom.set(roomId, events);
    }
    return byRoom;
  }

  /** Returns the rooms among `roomIds` whose typing list changed in (since, upTo]. Typing is kept in memory, so this reads no database. */
  roomsWithTypingChanges(roomIds: readonly string[], since: number, upTo: number): Set<string> {
    return new Set(roomIds.filter((roomId) => this.typing.typingUsers(roomId, since, upTo) !== undefined));
  }
}
