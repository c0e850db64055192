import type { EventStore } from '../storage/events.js';

/**
 * Counts unread messages per room for /sync's `unread_notifications`: messages from other users
 * after the user's own latest event. Without push-rule evaluation every such message counts as a
 * notification and none as a highlight.
 */
export class UnreadCounter {
  constructor(private readonly events: EventStore) {}

  async countFor(userId: string, roomId: string, upTo: number): Promise<{ notification_count: number; highlight_count: number }> {
    // TODO: read receipts and push rules should decide this count; it uses the user's last own event instead.
    const notificationCount = await this.events.countMessagesFromOthersSinceOwn(roomId, userId, upTo);
    return { notification_count: notificationCount, highlight_count: 0 };
  }
}
