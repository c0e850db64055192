/** What the room writer tells /sync after an event is stored. Implemented by the sync notifier. */
export interface EventNotifier {
  /**
   * Wakes long-polling syncs of the room's members. `targetUserId` is the state key of a
   * membership event, whose user may not be a member yet (an invite) or any more (a kick).
   */
  notifyRoomEvent(roomId: string, position: number, targetUserId?: string): void;
  /** Wakes the user's own syncs, for account data and other per-user changes. */
  notifyUser(userId: string, position: number): void;
}
