/**
 * Typing notifications. They are held in memory: a restart clears who was typing, which costs
 * nothing because typing lasts seconds.
 * NOTE: several processes sharing one database each see only their own users typing.
 */

export interface TypingDeps {
  /** Allocates a position in the global stream for a change of a room's typing list. */
  allocatePosition: () => Promise<number>;
  /** Wakes the /sync long-polls of the room's members. */
  notifyRoom: (roomId: string, position: number) => void;
  onError: (error: unknown, roomId: string, userId: string) => void;
}

interface RoomTyping {
  /** Typing users, each with the timer that stops them. */
  users: Map<string, NodeJS.Timeout>;
  /** Stream position of the last change of `users`. */
  position: number;
}

// Clients ask for 30 s; a cap stops a client from leaving a user "typing" for hours.
export const MAX_TYPING_TIMEOUT_MS = 120_000;

/** Tracks who is typing in each room and stops each user after their timeout. */
export class TypingService {
  private readonly rooms = new Map<string, RoomTyping>();

  constructor(private readonly deps: TypingDeps) {}

  /** Starts (for `timeoutMs`) or stops the user typing in the room. The caller checks membership. */
  async setTyping(roomId: string, userId: string, typing: boolean, timeoutMs: number): Promise<void> {
    const room = this.rooms.get(roomId) ?? { users: new Map<string, NodeJS.Timeout>(), position: 0 };
    this.rooms.set(roomId, room);
    const previous = room.users.get(userId);
    if (previous) clearTimeout(previous);
    if (!typing) {
      room.users.delete(userId);
      // Stopping a user who was not typing changes nothing that clients see.
      if (previous) await this.announce(roomId, room);
      return;
    }
    const timer = setTimeout(() => this.expire(roomId, userId), Math.min(timeoutMs, MAX_TYPING_TIMEOUT_MS));
    timer.unref();
    room.users.set(userId, timer);
    // A refresh of a user who is already typing changes nothing that clients see.
    if (!previous) await this.announce(roomId, room);
  }

  /**
   * Returns the users typing in the room when its list changed in (since, upTo], or on an initial
   * sync when anyone is typing. Returns undefined when there is nothing to send.
   */
  typingUsers(roomId: string, since: number | undefined, upTo: number): string[] | undefined {
    const room = this.rooms.get(roomId);
    if (!room) return undefined;
    if (since === undefined) return room.users.size > 0 ? [...room.users.keys()] : undefined;
    if (room.position <= since || room.position > upTo) return undefined;
    return [...room.users.keys()];
  }

  /** Stops every timer, for shutdown. */
  close(): void {
    for (const room of this.rooms.values()) room.users.forEach((timer) => clearTimeout(timer));
    this.rooms.clear();
  }

  private expire(roomId: string, userId: string): void {
    const room = this.rooms.get(roomId);
    if (!room?.users.delete(userId)) return;
    this.announce(roomId, room).catch((error: unknown) => this.deps.onError(error, roomId, userId));
  }

  private async announce(roomId: string, room: RoomTyping): Promise<void> {
    const position = await this.deps.allocatePosition();
    // An emptied entry stays, so that a /sync behind `position` still learns that everyone stopped.
    room.position = Math.max(room.position, position);
    this.deps.notifyRoom(roomId, position);
  }
}
