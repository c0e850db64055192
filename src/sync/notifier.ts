import type { EventNotifier } from '../rooms/notifier.js';

/** One wake-up, in the form that travels between processes. */
export type Notification =
  | { kind: 'room'; roomId: string; position: number; targetUserId?: string }
  | { kind: 'user'; userId: string; position: number };

interface Waiter {
  userId: string;
  rooms: ReadonlySet<string>;
  wake: (position: number) => void;
}

/**
 * Wakes long-polling /sync requests when something they would return is stored. Each waiter
 * names its user and the rooms it watches; a room event wakes the waiters of that room and of
 * the membership event's target, so no request ever polls the database on a timer.
 */
export class SyncNotifier implements EventNotifier {
  private readonly waiters = new Set<Waiter>();
  private latestPosition = 0;
  private released = false;
  private forward: ((notification: Notification) => void) | undefined;

  /** The newest position announced so far; a waiter that is behind it returns at once. */
  get position(): number {
    return this.latestPosition;
  }

  notifyRoomEvent(roomId: string, position: number, targetUserId?: string): void {
    const notification: Notification = { kind: 'room', roomId, position, ...(targetUserId !== undefined ? { targetUserId } : {}) };
    this.applyRemote(notification);
    this.forward?.(notification);
  }

  notifyUser(userId: string, position: number): void {
    const notification: Notification = { kind: 'user', userId, position };
    this.applyRemote(notification);
    this.forward?.(notification);
  }

  /** Sends every notification made in this process to `forward` as well, such as a relay to other processes. */
  forwardTo(forward: (notification: Notification) => void): void {
    this.forward = forward;
  }

  /** Wakes the waiters that a notification from another process concerns, without forwarding it again. */
  applyRemote(notification: Notification): void {
    this.advance(notification.position);
    for (const waiter of this.waiters) {
      const concerned = notification.kind === 'room'
        ? waiter.rooms.has(notification.roomId) || waiter.userId === notification.targetUserId
        : waiter.userId === notification.userId;
      if (concerned) waiter.wake(notification.position);
    }
  }

  /**
   * Wakes every waiter so each /sync reads the database again, as after notifications from other
   * processes may have been lost. Unlike releaseAll, later waits still wait.
   */
  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter.wake(this.latestPosition);
  }

  /**
   * Resolves with true when an event for the user or one of the rooms arrives, or with false
   * after `timeoutMs` or when `signal` aborts (the client went away).
   */
  wait(userId: string, rooms: ReadonlySet<string>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    // After shutdown began, a new long-poll returns at once so it cannot hold the server open.
    if (this.released) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (woken: boolean) => {
        this.waiters.delete(waiter);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const onAbort = () => finish(false);
      const waiter: Waiter = { userId, rooms, wake: () => finish(true) };
      this.waiters.add(waiter);
      timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Wakes every waiter and makes later waits return at once, so that a shutdown does not wait
   * for long-polls to time out. Each woken /sync answers with what it has, as on a timeout.
   */
  releaseAll(): void {
    this.released = true;
    for (const waiter of [...this.waiters]) waiter.wake(this.latestPosition);
  }

  /** Number of requests waiting now, for metrics. */
  get waiting(): number {
    return this.waiters.size;
  }

  private advance(position: number): void {
    if (position > this.latestPosition) this.latestPosition = position;
  }
}
