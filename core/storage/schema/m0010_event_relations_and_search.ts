import type { Migration } from '../engine/migrations.ts';

/**
 * Indexes over event content, written with the events themselves (PersistEventsStore): relations
 * (`m.relates_to`: edits, threads, references, annotations) for /relations, /threads and bundled aggregations,
 * and a full-text index (FTS5) of message bodies, room names and topics for /search. Events stored before
 * this migration are indexed by it.
 */
export const m0010EventRelationsAndSearch: Migration = {
  version: 10,
  name: 'event_relations_and_search',
  up(db) {
    db.exec(`
      CREATE TABLE event_relations (
        event_id TEXT PRIMARY KEY,
        relates_to_id TEXT NOT NULL,
        rel_type TEXT NOT NULL,
        -- The annotation's key (a reaction's emoji); null for other relations.
        aggregation_key TEXT,
        room_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        type TEXT NOT NULL,
        stream_ordering INTEGER NOT NULL,
        origin_server_ts INTEGER NOT NULL
      );
      CREATE INDEX event_relations_by_target ON event_relations (relates_to_id, rel_type, stream_ordering);
      CREATE INDEX event_relations_threads ON event_relations (room_id, rel_type, stream_ordering);

      -- Which event and field each indexed text came from; the FTS table shares its rowid.
      CREATE TABLE event_search_entries (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        room_id TEXT NOT NULL,
        -- content.body, content.name or content.topic
        key TEXT NOT NULL,
        sender TEXT NOT NULL,
        stream_ordering INTEGER NOT NULL,
        origin_server_ts INTEGER NOT NULL
      );
      CREATE INDEX event_search_entries_by_event ON event_search_entries (event_id);
      CREATE INDEX event_search_entries_by_room ON event_search_entries (room_id, stream_ordering);
      CREATE VIRTUAL TABLE event_search USING fts5(value, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
    `);

    // Index what is already stored (timeline events that were neither rejected nor soft-failed).
    const timeline = `e.outlier = 0 AND e.soft_failed = 0 AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.event_id = e.event_id)
      AND NOT EXISTS (SELECT 1 FROM redactions x WHERE x.redacts = e.event_id)`;
    db.exec(`
      INSERT OR IGNORE INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key, room_id, sender, type, stream_ordering, origin_server_ts)
      SELECT e.event_id, json_extract(j.json, '$.content."m.relates_to".event_id'), json_extract(j.json, '$.content."m.relates_to".rel_type'),
             CASE WHEN json_extract(j.json, '$.content."m.relates_to".rel_type') = 'm.annotation' THEN json_extract(j.json, '$.content."m.relates_to".key') END,
             e.room_id, e.sender, e.type, e.stream_ordering, e.origin_server_ts
      FROM events e JOIN event_json j USING (event_id)
      WHERE ${timeline} AND json_valid(j.json)
        AND json_type(j.json, '$.content."m.relates_to".event_id') = 'text' AND json_type(j.json, '$.content."m.relates_to".rel_type') = 'text';
    `);
    const fields: [string, string, string][] = [
      ['m.room.message', 'body', 'content.body'],
      ['m.room.name', 'name', 'content.name'],
      ['m.room.topic', 'topic', 'content.topic'],
    ];
    for (const [type, field, key] of fields) {
      db.prepare(
        `INSERT INTO event_search_entries (event_id, room_id, key, sender, stream_ordering, origin_server_ts)
         SELECT e.event_id, e.room_id, ?, e.sender, e.stream_ordering, e.origin_server_ts
         FROM events e JOIN event_json j USING (event_id)
         WHERE e.type = ? AND ${timeline} AND json_valid(j.json) AND json_type(j.json, '$.content.${field}') = 'text'`,
      ).run(key, type);
    }
    db.exec(`
      INSERT INTO event_search (rowid, value)
      SELECT s.id, json_extract(j.json, '$.content.' || substr(s.key, 9)) FROM event_search_entries s JOIN event_json j USING (event_id);
    `);
  },
};
