// Measures messages per second and send-to-sync latency on SQLite, on PostgreSQL with one process,
// and on PostgreSQL with two processes (sends through one, long-polls on the other). Not a test:
// run it by hand with `node --import tsx test/multiprocess/measure.ts` and LATTICE_TEST_POSTGRES_URL
// set. Every request goes to servers it starts on 127.0.0.1; the load is bounded by count.
import { api } from '../support/client.js';
import { createRoom, createUser, room, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

const SENDERS = 16;
const MESSAGES = 3000;
const LATENCY_SAMPLES = 100;

interface Setup {
  name: string;
  sendTo: TestServer;
  syncOn: TestServer;
  servers: TestServer[];
}

async function setUp(name: string, backend: 'sqlite' | 'postgres', processes: 1 | 2): Promise<Setup> {
  const config = { log_level: 'info' };
  const first = await TestServer.start({ database: backend, config });
  const second = processes === 2 ? await TestServer.start({ sameDatabaseAs: first, config }) : first;
  return { name, sendTo: first, syncOn: second, servers: processes === 2 ? [second, first] : [first] };
}

let txn = 0;
async function send(server: TestServer, user: TestUser, roomId: string, body: string): Promise<string> {
  txn += 1;
  const response = await api<{ event_id: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/m-${txn}`, {
    token: user.token, body: { msgtype: 'm.text', body },
  });
  if (response.status !== 200) throw new Error(`send failed: ${response.status}`);
  return response.body.event_id;
}

async function throughput(setup: Setup, user: TestUser, rooms: string[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: SENDERS }, async (_, worker) => {
    while (next < MESSAGES) {
      next += 1;
      await send(setup.sendTo, user, rooms[worker % rooms.length]!, `load ${next}`);
    }
  }));
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function latency(setup: Setup, sender: TestUser, receiver: TestUser, roomId: string): Promise<number[]> {
  let since = (await sync(setup.syncOn, receiver)).next_batch;
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const polling = api<{ next_batch: string; rooms: { join: Record<string, { timeline: { events: Array<{ event_id: string }> } }> } }>(
      setup.syncOn.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${since}&timeout=30000`, { token: receiver.token },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const eventId = await send(setup.sendTo, sender, roomId, `ping ${i}`);
    let response = await polling;
    while (!response.body.rooms.join[roomId]?.timeline.events.some((event) => event.event_id === eventId)) {
      response = await api(setup.syncOn.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${response.body.next_batch}&timeout=30000`, { token: receiver.token });
    }
    samples.push(performance.now() - started);
    since = response.body.next_batch;
  }
  return samples.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(setup: Setup): Promise<string> {
  try {
    const alice = await createUser(setup.sendTo, 'alice');
    const bob = await createUser(setup.sendTo, 'bob');
    const rooms = await Promise.all(Array.from({ length: 8 }, () => createRoom(setup.sendTo, alice)));
    const pingRoom = await createRoom(setup.sendTo, alice, { preset: 'public_chat' });
    await api(setup.syncOn.baseUrl, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(pingRoom)}`, { token: bob.token, body: {} });
    const rate = await throughput(setup, alice, rooms);
    const samples = await latency(setup, alice, bob, pingRoom);
    return `| ${setup.name} | ${rate.toFixed(0)} | ${percentile(samples, 50).toFixed(1)} | ${percentile(samples, 95).toFixed(1)} |`;
  } finally {
    for (const server of setup.servers) await server.dispose();
  }
}

// Arguments pick setups by part of their name, such as `PostgreSQL`; none runs all three.
const setups: Array<[string, 'sqlite' | 'postgres', 1 | 2]> = [
  ['SQLite, 1 process', 'sqlite', 1],
  ['PostgreSQL, 1 process', 'postgres', 1],
  ['PostgreSQL, 2 processes', 'postgres', 2],
];
const filters = process.argv.slice(2);
const rows: string[] = [];
for (const [name, backend, processes] of setups) {
  if (filters.length === 0 || filters.some((filter) => name.includes(filter))) rows.push(await measure(await setUp(name, backend, processes)));
}
console.log(`\n${SENDERS} senders, ${MESSAGES} messages over 8 rooms; latency over ${LATENCY_SAMPLES} sends to a long-polling receiver\n`);
console.log('| setup | messages/s | send-to-sync p50 ms | p95 ms |');
console.log('| --- | --- | --- | --- |');
rows.forEach((row) => console.log(row));
