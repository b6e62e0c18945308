import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactEvent } from '../../../core/events/redaction.ts';
import { getRoomVersion, KNOWN_ROOM_VERSIONS } from '../../../core/events/roomVersions.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';

const base: JsonObject = {
  event_id: '$e:hs',
  type: 'm.room.message',
  room_id: '!r:hs',
  sender: '@u:hs',
  origin: 'hs',
  origin_server_ts: 1,
  depth: 2,
  prev_events: [],
  auth_events: [],
  hashes: { sha256: 'h' },
  signatures: { hs: { 'ed25519:1': 's' } },
  unsigned: { age: 5 },
  membership: 'join',
  prev_state: [],
  extra_top_level: true,
  content: { body: 'secret', msgtype: 'm.text' },
};

function redactedContent(version: string, type: string, content: JsonObject): JsonObject {
  return redactEvent({ ...base, type, state_key: '', content }, getRoomVersion(version)).content as JsonObject;
}

test('top-level keys: origin, membership and prev_state are kept before v11 and dropped from v11', () => {
  for (const id of ['1', '6', '9', '10']) {
    const r = redactEvent(base, getRoomVersion(id));
    assert.deepEqual(Object.keys(r).sort(), [
      'auth_events', 'content', 'depth', 'event_id', 'hashes', 'membership', 'origin', 'origin_server_ts', 'prev_events',
      'prev_state', 'room_id', 'sender', 'signatures', 'type',
    ], `v${id}`);
    assert.deepEqual(r.content, {});
  }
  const v11 = redactEvent(base, getRoomVersion('11'));
  assert.ok(!('origin' in v11) && !('membership' in v11) && !('prev_state' in v11) && !('unsigned' in v11) && !('extra_top_level' in v11));
});

test('m.room.member keeps membership; join_authorised_via_users_server from v9; third_party_invite.signed in v11', () => {
  const content = { membership: 'join', displayname: 'U', join_authorised_via_users_server: '@a:hs', third_party_invite: { signed: { mxid: '@u:hs' }, display_name: 'x' } };
  assert.deepEqual(redactedContent('8', 'm.room.member', content), { membership: 'join' });
  assert.deepEqual(redactedContent('9', 'm.room.member', content), { membership: 'join', join_authorised_via_users_server: '@a:hs' });
  assert.deepEqual(redactedContent('11', 'm.room.member', content), {
    membership: 'join',
    join_authorised_via_users_server: '@a:hs',
    third_party_invite: { signed: { mxid: '@u:hs' } },
  });
});

test('m.room.create keeps creator before v11 and all content from v11', () => {
  const content = { creator: '@u:hs', room_version: '11', 'm.federate': false };
  assert.deepEqual(redactedContent('10', 'm.room.create', content), { creator: '@u:hs' });
  assert.deepEqual(redactedContent('11', 'm.room.create', content), content);
});

test('m.room.join_rules keeps allow from v9', () => {
  const content = { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!x:hs' }], other: 1 };
  assert.deepEqual(redactedContent('8', 'm.room.join_rules', content), { join_rule: 'restricted' });
  assert.deepEqual(redactedContent('9', 'm.room.join_rules', content), { join_rule: 'restricted', allow: content.allow });
});

test('m.room.power_levels keeps invite only from v11', () => {
  const content = { ban: 50, events: {}, events_default: 0, invite: 0, kick: 50, redact: 50, state_default: 50, users: {}, users_default: 0, notifications: { room: 50 } };
  const { invite: _i, notifications: _n, ...withoutInvite } = content;
  assert.deepEqual(redactedContent('10', 'm.room.power_levels', content), withoutInvite);
  const { notifications: _n2, ...withInvite } = content;
  assert.deepEqual(redactedContent('11', 'm.room.power_levels', content), withInvite);
});

test('m.room.aliases keeps aliases only in v1-v5', () => {
  assert.deepEqual(redactedContent('5', 'm.room.aliases', { aliases: ['#a:hs'] }), { aliases: ['#a:hs'] });
  assert.deepEqual(redactedContent('6', 'm.room.aliases', { aliases: ['#a:hs'] }), {});
});

test('m.room.redaction keeps content.redacts only from v11 (SEED-BEHAVIOURS.md §5)', () => {
  assert.deepEqual(redactedContent('10', 'm.room.redaction', { redacts: '$x', reason: 'spam' }), {});
  assert.deepEqual(redactedContent('11', 'm.room.redaction', { redacts: '$x', reason: 'spam' }), { redacts: '$x' });
});

test('history visibility is kept in every version; odd input never throws', () => {
  for (const version of KNOWN_ROOM_VERSIONS.values()) {
    assert.deepEqual(redactEvent({ ...base, type: 'm.room.history_visibility', content: { history_visibility: 'shared', x: 1 } }, version).content, { history_visibility: 'shared' });
    assert.deepEqual(redactEvent({ ...base, content: 'not an object' }, version).content, {});
    assert.deepEqual(redactEvent({ ...base, type: 5, content: { a: 1 } }, version).content, {});
    assert.deepEqual(redactEvent({ ...base, type: 'm.room.member', content: { third_party_invite: 'x' } }, version).content, {});
  }
});
