/** Wires pusher registration and push delivery to the room writer's notifications. */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logging.js';
import type { EventNotifier } from '../rooms/notifier.js';
import type { PusherStore } from '../storage/pushers.js';
import type { PushContext } from './evaluator.js';
import { PushDelivery, type PushRoomReader } from './push-delivery.js';
import { PusherService } from './pusher-service.js';
import type { Ruleset } from './types.js';

export interface PusherDeps {
  store: PusherStore;
  rooms: PushRoomReader & { getRoomsForUser(userId: string, memberships?: readonly string[]): Promise<Array<{ roomId: string }>> };
  rulesFor(userId: string): Promise<Ruleset>;
  contextFor(userId: string, roomId: string): Promise<PushContext>;
  /** The user's unread notification count in one room. */
  roomUnreadCount(userId: string, roomId: string): Promise<number>;
  logger: Logger;
}

export interface PusherServices {
  pushers: PusherService;
  delivery: PushDelivery;
}

export function createPusherServices(deps: PusherDeps): PusherServices {
  const delivery = new PushDelivery({
    rooms: deps.rooms,
    pushers: deps.store,
    rulesFor: deps.rulesFor,
    contextFor: deps.contextFor,
    unreadCount: async (userId) => {
      // NOTE: each push recounts every joined room of the recipient, scanning up to 1000 unread
      // events per room as /sync does, so the cost grows with rooms and unread events.
      let total = 0;
      for (const room of await deps.rooms.getRoomsForUser(userId, ['join'])) {
        await yieldToEventLoop();
        total += await deps.roomUnreadCount(userId, room.roomId);
      }
      return total;
    },
    logger: deps.logger,
  });
  return { pushers: new PusherService(deps.store), delivery };
}

/**
 * Returns a notifier for the room writer that also queues each stored room event for push
 * delivery. Events that other processes store reach this process through the relay's
 * applyRemote, not through here, so the process that stored an event is the one that pushes it.
 * NOTE: the queue lives in memory, so the notifications of events stored just before a crash
 * or shutdown, and of sends still waiting for a retry, are lost.
 */
export function withPushDelivery(inner: EventNotifier, delivery: { enqueue(roomId: string, position: number): void }): EventNotifier {
  return {
    notifyRoomEvent(roomId, position, targetUserId) {
      inner.notifyRoomEvent(roomId, position, targetUserId);
      delivery.enqueue(roomId, position);
    },
    notifyUser(userId, position) {
      inner.notifyUser(userId, position);
    },
  };
}
