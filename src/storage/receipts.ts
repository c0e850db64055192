import type { Db } from './database.js';
import { allocateStreamPosition } from './stream.js';

/** One stored receipt: the newest event a user marked with one receipt type in one thread. */
export interface ReceiptRecord {
  roomId: string;
  userId: string;
  receiptType: string;
  /** Empty string for an unthreaded receipt, `main` or a thread root's event id otherwise. */
  threadId: string;
  eventId: string;
  ts: number;
  streamPosition: number;
}

export interface ReceiptInput {
  roomId: string;
  userId: string;
  receiptType: string;
  threadId: string;
  eventId: string;
  ts: number;
}

/** Read receipts per (room, user, receipt type, thread), each with the stream position of its last change. */
export class ReceiptStore {
  constructor(private readonly db: Db) {}

  /**
   * Stores the receipt unless the same (room, user, type, thread) already points at an event
   * further down the room's stream, since a receipt never moves backwards. Returns the new
   * stream position, or undefined when nothing changed.
   */
  async set(input: ReceiptInput): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('receipts').select('event_id')
        .where('room_id', '=', input.roomId).where('user_id', '=', input.userId)
        .where('receipt_type', '=', input.receiptType).where('thread_id', '=', input.threadId)
        .executeTakeFirst();
      if (existing) {
        if (existing.event_id === input.eventId) return undefined;
        const orderings = await trx.selectFrom('events').select(['event_id', 'stream_ordering'])
          .where('event_id', 'in', [existing.event_id, input.eventId]).execute();
        const orderingOf = (id: string) => Number(orderings.find((row) => row.event_id === id)?.stream_ordering ?? 0);
        if (orderingOf(existing.event_id) > orderingOf(input.eventId)) return undefined;
      }
      const position = await allocateStreamPosition(trx);
      await trx.insertInto('receipts')
        .values({
          room_id: input.roomId, user_id: input.userId, receipt_type: input.receiptType, thread_id: input.threadId,
          event_id: input.eventId, ts: input.ts, stream_position: position,
        })
        .onConflict((oc) => oc.columns(['room_id', 'user_id', 'receipt_type', 'thread_id']).doUpdateSet({ event_id: input.eventId, ts: input.ts, stream_position: position }))
        .execute();
      return position;
    });
  }

  /** Receipts of the rooms changed in (after, upTo], or every receipt of the rooms when `after` is undefined. */
  async forRooms(roomIds: readonly string[], after: number | undefined, upTo: number): Promise<ReceiptRecord[]> {
    if (roomIds.length === 0) return [];
    let query = this.db.selectFrom('receipts').selectAll()
      .where('room_id', 'in', [...roomIds]).where('stream_position', '<=', upTo);
    if (after !== undefined) query = query.where('stream_position', '>', after);
    const rows = await query.orderBy('stream_position').execute();
    return rows.map(toReceipt);
  }

  /**
   * Returns the user's read receipts in the room (`m.read` and `m.read.private`, threaded or not), each
   * with the stream ordering of the event it points at.
   */
  async readPositions(roomId: string, userId: string): Promise<Array<{ threadId: string; receiptType: string; streamOrdering: number }>> {
    const rows = await this.db.selectFrom('receipts')
      .innerJoin('events', 'events.event_id', 'receipts.event_id')
      .select(['receipts.thread_id', 'receipts.receipt_type', 'events.stream_ordering'])
      .where('receipts.room_id', '=', roomId).where('receipts.user_id', '=', userId)
      .where('receipts.receipt_type', 'in', ['m.read', 'm.read.private'])
      .execute();
    return rows.map((row) => ({ threadId: row.thread_id, receiptType: row.receipt_type, streamOrdering: Number(row.stream_ordering) }));
  }
}

function toReceipt(row: { room_id: string; user_id: string; receipt_type: string; thread_id: string; event_id: string; ts: number; stream_position: number }): ReceiptRecord {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    receiptType: row.receipt_type,
    threadId: row.thread_id,
    eventId: row.event_id,
    ts: Number(row.ts),
    streamPosition: Number(row.stream_position),
  };
}
