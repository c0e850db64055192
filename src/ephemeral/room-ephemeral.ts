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
}
