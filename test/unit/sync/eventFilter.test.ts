/** Event filters: wildcards in types, exact senders and rooms, exclusions winning, contains_url; filter validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFilter } from '../../../core/handlers/sync/eventFilter.ts';
import { validateFilterDefinition } from '../../../core/handlers/sync/filterDefinition.ts';
import { SyncFilter, DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT } from '../../../core/handlers/sync/syncFilter.ts';
import { MatrixError } from '../../../core/handlers/matrixError.ts';

test('types match exactly or with * standing for any run of characters', () => {
  const filter = new EventFilter({ types: ['m.room.*', 'org.example', '*.end', 'a*b*c'] });
  for (const type of ['m.room.message', 'm.room.', 'org.example', 'x.end', 'abc', 'a-b-c', 'aXbYc']) assert.ok(filter.allowsType(type), type);
  for (const type of ['m.roomx', 'org.example.more', 'org.exampl', 'end', 'acb', 'm_room_message']) assert.ok(!filter.allowsType(type), type);
  // Regular-expression characters are literal.
  assert.ok(!new EventFilter({ types: ['m.room.message'] }).allowsType('mxroom.message'));
});

test('exclusions win over inclusions; an absent list does not restrict', () => {
  const filter = new EventFilter({ types: ['m.*'], not_types: ['m.room.member'], senders: ['@a:x', '@b:x'], not_senders: ['@b:x'] });
  assert.ok(filter.matches({ type: 'm.room.message', sender: '@a:x' }));
  assert.ok(!filter.matches({ type: 'm.room.member', sender: '@a:x' }));
  assert.ok(!filter.matches({ type: 'm.room.message', sender: '@b:x' }));
  assert.ok(!filter.matches({ type: 'm.room.message', sender: '@c:x' }));
  assert.ok(new EventFilter().matches({ type: 'anything', sender: '@any:x', roomId: '!any:x' }));
  const rooms = new EventFilter({ rooms: ['!a:x', '!b:x'], not_rooms: ['!b:x'] });
  assert.deepEqual(['!a:x', '!b:x', '!c:x'].map((r) => rooms.allowsRoom(r)), [true, false, false]);
});

test('contains_url keeps or drops events with a string url in their content', () => {
  const withUrl = { type: 'm.room.message', content: { url: 'mxc://x/y' } };
  const without = { type: 'm.room.message', content: { body: 'hi' } };
  assert.deepEqual([new EventFilter({ contains_url: true }).matches(withUrl), new EventFilter({ contains_url: true }).matches(without)], [true, false]);
  assert.deepEqual([new EventFilter({ contains_url: false }).matches(withUrl), new EventFilter({ contains_url: false }).matches(without)], [false, true]);
});

test('SyncFilter defaults and limits', () => {
  const defaults = new SyncFilter();
  assert.equal(defaults.timelineLimit, DEFAULT_TIMELINE_LIMIT);
  assert.equal(defaults.includeLeave, false);
  assert.equal(defaults.lazyLoadMembers, false);
  assert.equal(defaults.eventFormat, 'client');
  assert.equal(new SyncFilter({ room: { timeline: { limit: 100_000 } } }).timelineLimit, MAX_TIMELINE_LIMIT);
  const lazy = new SyncFilter({ room: { state: { lazy_load_members: true, include_redundant_members: true }, include_leave: true } });
  assert.deepEqual([lazy.lazyLoadMembers, lazy.includeRedundantMembers, lazy.includeLeave], [true, true, true]);
});

test('validation accepts the documented shapes and unknown fields, refuses wrong types with M_BAD_JSON', () => {
  const good = {
    event_fields: ['content.body'],
    event_format: 'client',
    presence: { types: ['m.presence'], limit: 5 },
    room: { rooms: ['!a:x'], include_leave: true, timeline: { limit: 0, not_senders: ['@s:x'], 'org.example.unstable': true }, state: { lazy_load_members: true } },
    'org.example.extension': {},
  };
  assert.equal(validateFilterDefinition(good), good);
  for (const bad of [[], 'x', { room: 5 }, { room: { timeline: { limit: 1.5 } } }, { room: { not_rooms: ['x'] } }, { account_data: { types: [null] } }, { event_fields: 'x' }]) {
    assert.throws(() => validateFilterDefinition(bad as never), (e: unknown) => e instanceof MatrixError && e.errcode === 'M_BAD_JSON', JSON.stringify(bad));
  }
});
