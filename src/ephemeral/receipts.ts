import { MatrixError, invalidParam } from '../core/errors.js';
import type { AccountDataStore } from '../storage/account-data.js';
import type { EventStore } from '../storage/events.js';
import type { ReceiptRecord, ReceiptStore } from '../storage/receipts.js';
import type { RelationStore } from '../storage/relations.js';
import { findThreadRoots } from '../relations/threads.js';

export const RECEIPT_TYPES = ['m.read', 'm.read.private', 'm.fully_read'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

/** The room account data event type that stores the user's read marker. */
export const FULLY_READ_TYPE = 'm.fully_read';

export interface ReceiptServiceDeps {
  receipts: ReceiptStore;
  events: EventStore;
  relations: RelationStore;
  accountData: AccountDataStore;
  requireJoined: (userId: string, roomId: string) => Promise<void>;
  notifyRoom: (roomId: string, position: number) => void;
  notifyUser: (userId: string, position: number) => void;
  now?: () => number;
}

export interface ReadMarkers {
  fullyRead?: string;
  read?: string;
  readPrivate?: string;
}

/** Read receipts and the read marker: storing them, and the `m.receipt` events /sync sends. */
export class ReceiptService {
  private readonly now: () => number;

  constructor(private readonly deps: ReceiptServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Records a receipt of the user for an event of the room. `m.fully_read` moves the read marker
   * instead. Throws M_INVALID_PARAM for a thread id that does not fit the event or receipt type.
   */
  async sendReceipt(userId: string, roomId: string, receiptType: string, eventId: string, threadId: string | undefined): Promise<void> {
    if (!(RECEIPT_TYPES as readonly string[]).includes(receiptType)) {
      throw invalidParam(`Unknown receipt type "${receiptType}"; use one of ${RECEIPT_TYPES.join(', ')}.`);
    }
    await this.deps.requireJoined(userId, roomId);
    await this.requireEventInRoom(roomId, eventId);
    if (receiptType === 'm.fully_read') {
      if (threadId !== undefined) throw invalidParam('thread_id cannot be used with m.fully_read, because the read marker is per room.');
      await this.setFullyRead(userId, roomId, eventId);
      return;
    }
    if (threadId !== undefined) await this.checkThread(eventId, threadId);
    const position = await this.deps.receipts.set({ roomId, userId, receiptType, threadId: threadId ?? '', eventId, ts: this.now() });
    if (position === undefined) return;
    // Only the owner ever sees a private receipt, so only the owner's long-polls wake.
    if (receiptType === 'm.read.private') this.deps.notifyUser(userId, position);
    else this.deps.notifyRoom(roomId, position);
  }

  /** POST /read_markers: the read marker and unthreaded receipts in one call. */
  async setReadMarkers(userId: string, roomId: string, markers: ReadMarkers): Promise<void> {
    await this.deps.requireJoined(userId, roomId);
    if (markers.read !== undefined) await this.sendReceipt(userId, roomId, 'm.read', markers.read, undefined);
    if (markers.readPrivate !== undefined) await this.sendReceipt(userId, roomId, 'm.read.private', markers.readPrivate, undefined);
    if (markers.fullyRead !== undefined) {
      await this.requireEventInRoom(roomId, markers.fullyRead);
      await this.setFullyRead(userId, roomId, markers.fullyRead);
    }
  }

  /**
   * Builds the `m.receipt` event for a room as `viewer` may see it: receipts changed in (since, upTo],
   * or all of them for an initial sync. Other users' private receipts are left out.
   */
  async receiptEvent(viewer: string, roomId: string, since: number | undefined, upTo: number): Promise<{ type: 'm.receipt'; content: Record<string, unknown> } | undefined> {
    const receipts = (await this.deps.receipts.forRooms([roomId], since, upTo))
      .filter((receipt) => receipt.receiptType !== 'm.read.private' || receipt.userId === viewer);
    if (receipts.length === 0) return undefined;
    return { type: 'm.receipt', content: toReceiptContent(receipts) };
  }

  /** Builds the `m.receipt` events of many rooms with one query; rooms without any are absent. */
  async receiptEvents(viewer: string, roomIds: readonly string[], since: number | undefined, upTo: number): Promise<Map<string, { type: 'm.receipt'; content: Record<string, unknown> }>> {
    const byRoom = new Map<string, ReceiptRecord[]>();
    for (const receipt of await this.deps.receipts.forRooms(roomIds, since, upTo)) {
      if (receipt.receiptType === 'm.read.private' && receipt.userId !== viewer) continue;
      const list = byRoom.get(receipt.roomId) ?? [];
      list.push(receipt);
      byRoom.set(receipt.roomId, list);
    }
    return new Map([...byRoom].map(([roomId, receipts]) => [roomId, { type: 'm.receipt' as const, content: toReceiptContent(receipts) }]));
  }

  private async setFullyRead(userId: string, roomId: string, eventId: string): Promise<void> {
    const position = await this.deps.accountData.set(userId, roomId, FULLY_READ_TYPE, { event_id: eventId });
    this.deps.notifyUser(userId, position);
  }

  private async requireEventInRoom(roomId: string, eventId: string): Promise<void> {
    const event = await this.deps.events.getEvent(eventId);
    if (!event || event.roomId !== roomId) throw new MatrixError('M_NOT_FOUND', `Event ${eventId} is not in room ${roomId}.`);
  }

  /** A threaded receipt must name the thread the event is in: its root's id, or `main` outside threads. */
  private async checkThread(eventId: string, threadId: string): Promise<void> {
    if (threadId === '') throw invalidParam('thread_id must be a non-empty string.');
    const root = (await findThreadRoots(this.deps.relations, [eventId])).get(eventId);
    const actual = root ?? 'main';
    // A thread root is in the main timeline, but a receipt for its own thread on it is what clients send when opening a thread.
    if (actual === threadId || threadId === eventId) return;
    throw invalidParam(`Event ${eventId} is in thread "${actual}", not in thread "${threadId}".`);
  }
}

/** Groups receipts as `{eventId: {receiptType: {userId: {ts, thread_id?}}}}`. */
function toReceiptContent(receipts: readonly ReceiptRecord[]): Record<string, unknown> {
  const content: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (const receipt of receipts) {
    const byType = (content[receipt.eventId] ??= {});
    const byUser = (byType[receipt.receiptType] ??= {});
    byUser[receipt.userId] = receipt.threadId === '' ? { ts: receipt.ts } : { ts: receipt.ts, thread_id: receipt.threadId };
  }
  return content;
}
