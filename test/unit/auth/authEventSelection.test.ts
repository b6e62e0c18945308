/**
 * Server-server API "Auth events selection": which (type, state_key) pairs an event's auth_events come from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectAuthEventKeys, selectAuthEventStateKeys } from '../../../core/auth/authEventSelection.ts';
import { parseStateKey, stateKey } from '../../../core/auth/stateKey.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { getRoomVersion } from '../../../core/events/roomVersions.ts';

const v11 = getRoomVersion('11');
const v7 = getRoomVersion('7');
const pairs = (keys: { type: string; stateKey: string }[]) => keys.map((k) => `${k.type}|${k.stateKey}`);

test('selection: m.room.create has no auth events', () => {
  assert.deepEqual(selectAuthEventKeys({ type: 'm.room.create', sender: '@a:x', stateKey: '', content: {} }, v11), []);
});

test('selection: a message needs create, power levels and the sender member event', () => {
  assert.deepEqual(pairs(selectAuthEventKeys({ type: 'm.room.message', sender: '@a:x', content: { body: 'hi' } }, v11)), [
    'm.room.create|',
    'm.room.power_levels|',
    'm.room.member|@a:x',
  ]);
});

test('selection: a join adds the target member event (once) and the join rules', () => {
  const keys = selectAuthEventKeys({ type: 'm.room.member', sender: '@a:x', stateKey: '@a:x', content: { membership: 'join' } }, v11);
  assert.deepEqual(pairs(keys), ['m.room.create|', 'm.room.power_levels|', 'm.room.member|@a:x', 'm.room.join_rules|']);
});

test('selection: invite and knock add the join rules; leave and ban do not', () => {
  for (const membership of ['invite', 'knock']) {
    const keys = pairs(selectAuthEventKeys({ type: 'm.room.member', sender: '@a:x', stateKey: '@b:y', content: { membership } }, v11));
    assert.ok(keys.includes('m.room.join_rules|'), membership);
    assert.ok(keys.includes('m.room.member|@b:y'), membership);
  }
  for (const membership of ['leave', 'ban']) {
    const keys = pairs(selectAuthEventKeys({ type: 'm.room.member', sender: '@a:x', stateKey: '@b:y', content: { membership } }, v11));
    assert.ok(!keys.includes('m.room.join_rules|'), membership);
  }
});

test('selection: a third-party invite adds the m.room.third_party_invite of its token', () => {
  const content = { membership: 'invite', third_party_invite: { display_name: 'b', signed: { mxid: '@b:y', token: 'tok', signatures: {} } } };
  const keys = pairs(selectAuthEventKeys({ type: 'm.room.member', sender: '@a:x', stateKey: '@b:y', content }, v11));
  assert.ok(keys.includes('m.room.third_party_invite|tok'));
});

test('selection: a restricted join adds the authorising user member event from v8 only', () => {
  const content = { membership: 'join', join_authorised_via_users_server: '@auth:x' };
  const candidate = { type: 'm.room.member', sender: '@b:y', stateKey: '@b:y', content };
  assert.ok(pairs(selectAuthEventKeys(candidate, v11)).includes('m.room.member|@auth:x'));
  assert.ok(!pairs(selectAuthEventKeys(candidate, v7)).includes('m.room.member|@auth:x'));
});

test('selection: malformed content selects nothing extra and never throws', () => {
  const odd: JsonObject[] = [
    { membership: 5 },
    { membership: 'invite', third_party_invite: 'x' },
    { membership: 'invite', third_party_invite: { signed: { token: 7 } } },
    { membership: 'invite', third_party_invite: { signed: null } },
    { membership: 'join', join_authorised_via_users_server: ['@a:x'] },
  ];
  for (const content of odd) {
    const keys = pairs(selectAuthEventKeys({ type: 'm.room.member', sender: '@a:x', stateKey: '@a:x', content }, v11));
    assert.deepEqual(keys.slice(0, 3), ['m.room.create|', 'm.room.power_levels|', 'm.room.member|@a:x']);
    assert.ok(keys.every((k) => !k.startsWith('m.room.third_party_invite')));
    assert.equal(keys.filter((k) => k.startsWith('m.room.member|')).length, 1);
  }
});

test('state keys are unambiguous and round-trip', () => {
  assert.notEqual(stateKey('a', 'b\u0000c'), stateKey('a\u0000b', 'c'));
  assert.deepEqual(parseStateKey(stateKey('m.room.member', '@a:x')), { type: 'm.room.member', stateKey: '@a:x' });
  assert.deepEqual(selectAuthEventStateKeys({ type: 'm.room.topic', sender: '@a:x', stateKey: '', content: {} }, v11), [
    stateKey('m.room.create', ''),
    stateKey('m.room.power_levels', ''),
    stateKey('m.room.member', '@a:x'),
  ]);
});
