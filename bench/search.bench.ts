/**
 * Search latency over 100,000 messages: `POST /search`'s handler (FTS5 match in the user's rooms, ranked, the
 * hits' events loaded, history visibility checked, serialised with bundled aggregations, the match count) for a
 * word found in about 500 of them, against the raw FTS5 query for the same word's ten best matches, in the same
 * run. The room and a first message are real (created through the handlers); the other messages are copies of
 * that message's PDU with other bodies, written straight to the tables and the search index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, ratio, type Benchmark } from './harness.ts';
import { buildConfig } from '../core/config/configLoader.ts';
import { Homeserver } from '../core/homeserver.ts';
import { Logger } from '../core/logging/logger.ts';
import { registerLocalUser } from '../core/handlers/accounts/localUserRegistration.ts';
import { parseSearchBody } from '../core/handlers/search/searchHandler.ts';
import type { Requester } from '../core/handlers/requester.ts';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 100_000);
const VOCABULARY = 2_000;
const WORDS_PER_MESSAGE = 10;

/** A deterministic pseudo-random sequence (xorshift32), so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const benchmark: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
  const config = buildConfig({ server_name: 'bench.test', log_level: 'error' }, { data_dir: dir, host: '127.0.0.1', port: 0 });
  const hs = Homeserver.open({ config, log: new Logger('error'), passwordCost: { log2N: 10, r: 8, p: 1 } });
  try {
    const userId = await registerLocalUser({ serverName: 'bench.test', users: hs.storage.stores.users, passwordCost: { log2N: 10, r: 8, p: 1 } }, { localpart: 'alice', password: 'pw' });
    const requester: Requester = { userId, deviceId: 'BENCH', tokenId: 0, tokenHash: '', isAdmin: false, suspended: false };
    const { room_id: roomId } = await hs.handlers.roomCreation.createRoom(requester, { name: 'Search bench' });
    const first = await hs.eventCreation.send({ roomId, sender: userId, type: 'm.room.message', content: { msgtype: 'm.text', body: 'the first message' } });
    const db = hs.storage.stores.db;
    const template = db.prepare('SELECT json, internal_metadata FROM event_json WHERE stream_ordering = ?').get(first.streamOrdering) as { json: string; internal_metadata: string };
    const group = hs.storage.stores.stateGroups.getStateGroupsForEvents([first.event.eventId]).get(first.event.eventId)!;
    const pdu = JSON.parse(template.json) as { content: Record<string, unknown>; depth: number; origin_server_ts: number };
    const next = random(42);
    const words = Array.from({ length: VOCABULARY }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`);
    const insertEvent = db.prepare(
      `INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, depth, origin_server_ts, received_ts, outlier, soft_failed, instance_name, state_group)
       VALUES (?, ?, ?, 'm.room.message', NULL, ?, ?, ?, ?, 0, 0, 'main', ?)`,
    );
    const insertJson = db.prepare('INSERT INTO event_json (stream_ordering, event_id, room_id, room_version, internal_metadata, json) VALUES (?, ?, ?, ?, ?, ?)');
    const insertEntry = db.prepare("INSERT INTO event_search_entries (event_id, room_id, key, sender, stream_ordering, origin_server_ts) VALUES (?, ?, 'content.body', ?, ?, ?)");
    const insertText = db.prepare('INSERT INTO event_search (rowid, value) VALUES (?, ?)');
    const roomVersion = first.event.roomVersion.identifier;
    db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const body = Array.from({ length: WORDS_PER_MESSAGE }, () => words[Math.floor(next() * VOCABULARY)]).join(' ');
        const eventId = `$bench${i}`;
        const stream = first.streamOrdering + 1 + i;
        const ts = pdu.origin_server_ts + i;
        insertEvent.run(stream, eventId, roomId, userId, pdu.depth + 1 + i, ts, ts, group);
        insertJson.run(stream, eventId, roomId, roomVersion, template.internal_metadata, JSON.stringify({ ...pdu, content: { msgtype: 'm.text', body }, depth: pdu.depth + 1 + i, origin_server_ts: ts }));
        // The search row and its text share the event's stream ordering as their key.
        insertEntry.run(eventId, roomId, userId, stream, ts);
        insertText.run(stream, body);
      }
    })();
    const term = words[1234]!;
    const match = `"${term}"*`;
    const hits = db.prepare('SELECT COUNT(*) FROM event_search WHERE event_search MATCH ?').pluck().get(match) as number;
    const criteria = parseSearchBody({ search_categories: { room_events: { search_term: term } } });
    const check = await hs.handlers.search.search(requester, criteria, null);
    const results = (check.search_categories.room_events as { results: unknown[] }).results;
    if (results.length !== 10) throw new Error(`expected 10 results, got ${results.length}`);

    const raw = db.prepare('SELECT rowid FROM event_search WHERE event_search MATCH ? ORDER BY rank LIMIT 10').pluck();
    const subject = await measure(`POST /search handler, ${term} (${hits} of ${MESSAGES.toLocaleString('en')} messages match)`, () => hs.handlers.search.search(requester, criteria, null));
    const baseline = await measure('raw FTS5 query, ten best matches', () => raw.all(match));
    return [ratio(`Search over ${MESSAGES.toLocaleString('en')} messages`, subject, baseline)];
  } finally {
    await hs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default benchmark;
