import type { Logger } from '../logging.js';
import type { Storage } from '../storage/index.js';
import { allocateEphemeralPosition } from '../storage/ephemeral-stream.js';
import { PresenceService } from './presence.js';
import { ReceiptService } from './receipts.js';
import { RoomEphemeral } from './room-ephemeral.js';
import { TypingService } from './typing.js';

export interface EphemeralDeps {
  storage: Storage;
  notifier: {
    notifyRoomEvent(roomId: string, position: number): void;
    notifyUser(userId: string, position: number): void;
  };
  requireJoined: (userId: string, roomId: string) => Promise<void>;
  presenceEnabled: boolean;
  logger: Logger;
}

export interface EphemeralServices {
  typing: TypingService;
  receipts: ReceiptService;
  presence: PresenceService;
  roomEphemeral: RoomEphemeral;
  close(): void;
}

/** Builds the typing, receipt and presence services and the source of /sync's per-room ephemeral events. */
export function createEphemeralServices(deps: EphemeralDeps): EphemeralServices {
  const { storage, notifier, logger } = deps;
  const typing = new TypingService({
    allocatePosition: () => allocateEphemeralPosition(storage.db),
    notifyRoom: (roomId, position) => notifier.notifyRoomEvent(roomId, position),
    onError: (error, roomId, userId) => logger.error({ err: error, roomId, userId }, 'could not announce the end of typing'),
  });
  const receipts = new ReceiptService({
    receipts: storage.receipts,
    events: storage.events,
    relations: storage.relations,
    accountData: storage.accountData,
    requireJoined: deps.requireJoined,
    notifyRoom: (roomId, position) => notifier.notifyRoomEvent(roomId, position),
    notifyUser: (userId, position) => notifier.notifyUser(userId, position),
  });
  const presence = createPresenceService(deps);
  return {
    typing,
    receipts,
    presence,
    roomEphemeral: new RoomEphemeral(typing, receipts),
    close: () => {
      typing.close();
      presence.close();
    },
  };
}

function createPresenceService(deps: EphemeralDeps): PresenceService {
  const { storage, notifier } = deps;
  const joinedRooms = async (userId: string) => (await storage.events.getRoomsForUser(userId, ['join'])).map((room) => room.roomId);
  return new PresenceService({
    enabled: deps.presenceEnabled,
    onError: (error, userId) => deps.logger.error({ err: error, userId }, 'could not mark a user offline'),
    allocatePosition: () => allocateEphemeralPosition(storage.db),
    async notifyPresence(userId, position) {
      for (const roomId of await joinedRooms(userId)) notifier.notifyRoomEvent(roomId, position);
      notifier.notifyUser(userId, position);
    },
    async usersSharingRooms(userId) {
      return new Set([userId, ...await storage.syncReads.usersSharingJoinedRooms(userId)]);
    },
  });
}
