// Reads a test server's database directly, as an operator would, to check a room's event graph.
import { createLogger } from '../../src/logging.js';
import type { DatabaseConfig } from '../../src/config/schema.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import type { TestServer } from './server.js';

/** Opens the database of a test server (stopped or running) with its own connection. */
export async function openServerDatabase(server: TestServer): Promise<Db> {
  const config = server.databaseConfig as { type: string; path?: string; url?: string };
  const database: DatabaseConfig = config.type === 'postgres'
    ? { type: 'postgres', connection: { url: config.url! }, pool: { min: 0, max: 2 } }
    : { type: 'sqlite', path: config.path! };
  return openDatabase(database, createLogger({ level: 'silent', pretty: false }));
}

export interface GraphEvent {
  eventId: string;
  depth: number;
  streamOrdering: number;
  prevEvents: string[];
  body: unknown;
}

/** Returns the room's events in stream order with their prev_events and depth. */
export async function readRoomGraph(db: Db, roomId: string): Promise<GraphEvent[]> {
  const rows = await db.selectFrom('events').select(['event_id', 'depth', 'stream_ordering', 'event_json'])
    .where('room_id', '=', roomId).orderBy('stream_ordering').execute();
  return rows.map((row) => {
    const json = JSON.parse(row.event_json) as { prev_events?: string[]; content?: { body?: unknown } };
    return { eventId: row.event_id, depth: Number(row.depth), streamOrdering: Number(row.stream_ordering), prevEvents: json.prev_events ?? [], body: json.content?.body };
  });
}

/**
 * Lists what is wrong with the graph: prev_events that are not stored or not earlier in the
 * stream, depths that do not grow by one along a single line, and forward extremities other than
 * the newest event. An empty list means the graph is intact and linear.
 */
export async function findGraphProblems(db: Db, roomId: string): Promise<string[]> {
  const events = await readRoomGraph(db, roomId);
  const byId = new Map(events.map((event) => [event.eventId, event]));
  const problems: string[] = [];
  events.forEach((event, index) => {
    if (index === 0) {
      if (event.prevEvents.length !== 0) problems.push(`${event.eventId}: first event has prev_events`);
      return;
    }
    if (event.prevEvents.length !== 1) problems.push(`${event.eventId}: ${event.prevEvents.length} prev_events, expected 1`);
    for (const prevId of event.prevEvents) {
      const prev = byId.get(prevId);
      if (!prev) problems.push(`${event.eventId}: prev_event ${prevId} is not stored`);
      else if (prev.streamOrdering >= event.streamOrdering) problems.push(`${event.eventId}: prev_event ${prevId} comes later in the stream`);
      else if (event.depth !== prev.depth + 1) problems.push(`${event.eventId}: depth ${event.depth} after ${prev.depth}`);
    }
  });
  const extremities = await db.selectFrom('room_forward_extremities').select('event_id').where('room_id', '=', roomId).execute();
  const newest = events[events.length - 1]?.eventId;
  if (extremities.length !== 1 || extremities[0]?.event_id !== newest) {
    problems.push(`forward extremities ${JSON.stringify(extremities.map((row) => row.event_id))}, expected [${newest}]`);
  }
  return problems;
}
