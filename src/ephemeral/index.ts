import type { Logger } from '../logging.js';
import type { Storage } from '../storage/index.js';
import { allocateEphemeralPosition } from '../storage/ephemeral-stream.js';
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
  logger: Logger;
}

export interface EphemeralServices {
  typing: TypingService;
  receipts: ReceiptService;
  roomEphemeral: RoomEphemeral;
  close(): void;
}

/** Builds the typing and receipt services and the source of /sync's per-room ephemeral events. */
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
  return {
    typing,
    receipts,
    roomEphemeral: new RoomEphemeral(typing, receipts),
    close: () => typing.close(),
  };
}
