/**
 * The push rule evaluator, condition by condition and default rule by default rule, plus user rules of every kind
 * and their priority against the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { conditionHolds, evaluatePushRules, memberCountMatches, type PushEventFacts, type PushRecipient } from '../../../core/handlers/push/pushRuleEvaluator.ts';
import { defaultPushRules } from '../../../core/handlers/push/defaultPushRules.ts';
import { userPushRuleset } from '../../../core/handlers/push/userPushRuleset.ts';
import { highlights, notifies } from '../../../core/handlers/push/pushActions.ts';
import type { PushCondition, PushRuleset } from '../../../core/handlers/push/pushRule.ts';
import type { StoredPushRule, UserPushRules } from '../../../core/storage/databases/main/pushRulesStore.ts';

const ME = '@alice:hs.test';
const BOB = '@bob:hs.test';
const ROOM = '!room:hs.test';

interface FactOptions {
  members?: number;
  /** Notification keys the sender may use; default none. */
  permitted?: string[];
}

function facts(event: JsonObject, options: FactOptions = {}): PushEventFacts {
  const permitted = new Set(options.permitted ?? []);
  return {
    event: { room_id: ROOM, sender: BOB, ...event },
    roomMemberCount: options.members ?? 5,
    senderHasNotificationPermission: (key) => permitted.has(key),
  };
}

function message(content: JsonObject, type = 'm.room.message'): JsonObject {
  return { type, content };
}

const me: PushRecipient = { userId: ME, displayName: 'Alice Liddell' };

function evaluate(event: JsonObject, options: FactOptions = {}, ruleset: PushRuleset = defaultPushRules(ME), recipient = me) {
  return evaluatePushRules(ruleset, facts(event, options), recipient);
}

function ruleIdFor(event: JsonObject, options: FactOptions = {}, ruleset?: PushRuleset): string | null {
  return evaluate(event, options, ruleset)?.ruleId ?? null;
}

function holds(condition: PushCondition, event: JsonObject, options: FactOptions = {}, recipient = me): boolean {
  return conditionHolds(condition, facts(event, options), recipient);
}

function userRules(rules: Partial<StoredPushRule>[], defaultChanges: UserPushRules['defaultChanges'] = []): PushRuleset {
  return userPushRuleset(ME, {
    rules: rules.map((r, i) => ({ kind: 'override', ruleId: `r${i}`, priority: 100 - i, conditions: null, pattern: null, actions: ['notify'], enabled: true, ...r })),
    defaultChanges,
  });
}

// ---- conditions ----

test('event_match: whole-value glob on a property; absent or non-string properties never match, even *', () => {
  const topic = { type: 'm.room.topic', state_key: '', content: { topic: 'Lunch plans', count: 3, nothing: null } };
  assert.equal(holds({ kind: 'event_match', key: 'content.topic', pattern: 'lunc?*' }, topic), true);
  assert.equal(holds({ kind: 'event_match', key: 'content.topic', pattern: 'lunch' }, topic), false);
  assert.equal(holds({ kind: 'event_match', key: 'content.missing', pattern: '*' }, topic), false);
  assert.equal(holds({ kind: 'event_match', key: 'content.count', pattern: '*' }, topic), false);
  assert.equal(holds({ kind: 'event_match', key: 'content.nothing', pattern: '*' }, topic), false);
  assert.equal(holds({ kind: 'event_match', key: 'state_key', pattern: '' }, topic), true);
  assert.equal(holds({ kind: 'event_match', key: 'state_key', pattern: '' }, message({ body: 'x' })), false, 'no implicit state_key');
  assert.equal(holds({ kind: 'event_match', key: 'type', pattern: 'm.room.*' }, topic), true);
  assert.equal(holds({ kind: 'event_match', key: 'sender', pattern: '@bob:*' }, topic), true);
  assert.equal(holds({ kind: 'event_match', key: 'room_id', pattern: ROOM }, topic), true);
  // Malformed parameters never match.
  assert.equal(holds({ kind: 'event_match', key: 'type' }, topic), false);
  assert.equal(holds({ kind: 'event_match', pattern: '*' }, topic), false);
  assert.equal(holds({ kind: 'event_match', key: 5, pattern: '*' }, topic), false);
});

test('event_match on content.body matches word-bounded substrings; other keys need the whole value', () => {
  const event = message({ body: 'An example event.', msgtype: 'm.text' });
  assert.equal(holds({ kind: 'event_match', key: 'content.body', pattern: 'ex*ple' }, event), true);
  assert.equal(holds({ kind: 'event_match', key: 'content.body', pattern: 'EVENT' }, event), true);
  assert.equal(holds({ kind: 'event_match', key: 'content.body', pattern: 'vent' }, event), false);
  assert.equal(holds({ kind: 'event_match', key: 'content.msgtype', pattern: 'text' }, event), false);
});

test('event_match follows escaped dotted paths', () => {
  const event = message({ body: 'x', 'm.relates_to': { rel_type: 'm.thread' }, m: { relates_to: { rel_type: 'nested' } } });
  assert.equal(holds({ kind: 'event_match', key: 'content.m\\.relates_to.rel_type', pattern: 'm.thread' }, event), true);
  assert.equal(holds({ kind: 'event_match', key: 'content.m.relates_to.rel_type', pattern: 'nested' }, event), true);
  assert.equal(holds({ kind: 'event_match', key: 'content.m.relates_to.rel_type', pattern: 'm.thread' }, event), false);
});

test('event_property_is: exact values of string, integer, boolean or null; no casts, no compounds', () => {
  const create = { type: 'm.room.create', state_key: '', content: { 'm.federate': true, n: 3, f: 1.5, s: 'true', z: null, o: {}, a: [] } };
  const is = (key: string, value: PushCondition['value']) => holds({ kind: 'event_property_is', key, value }, create);
  assert.equal(is('content.m\\.federate', true), true);
  assert.equal(is('content.m\\.federate', 'true'), false);
  assert.equal(is('content.m\\.federate', 1), false);
  assert.equal(is('content.n', 3), true);
  assert.equal(is('content.n', '3'), false);
  assert.equal(is('content.s', 'true'), true);
  assert.equal(is('content.s', true), false);
  assert.equal(is('content.z', null), true);
  assert.equal(is('content.missing', null), false, 'absent is not null');
  assert.equal(is('content.f', 1.5), false, 'floats are not canonical JSON values');
  assert.equal(is('content.o', {}), false);
  assert.equal(is('content.a', []), false);
  assert.equal(is('content.n', 2 ** 53), false, 'out-of-range integers never match');
  assert.equal(holds({ kind: 'event_property_is', key: 'content.n' }, create), false, 'a missing value never matches');
});

test('event_property_contains: an array property containing the exact value', () => {
  const event = { type: 'm.room.canonical_alias', state_key: '', content: { alt_aliases: ['#somewhere:example.org', '#myroom:example.com', { x: 1 }, 7, null], alias: '#a:b' } };
  const contains = (key: string, value: PushCondition['value']) => holds({ kind: 'event_property_contains', key, value }, event);
  assert.equal(contains('content.alt_aliases', '#myroom:example.com'), true);
  assert.equal(contains('content.alt_aliases', ':example.com'), false, 'partial values do not match');
  assert.equal(contains('content.alt_aliases', 7), true);
  assert.equal(contains('content.alt_aliases', '7'), false);
  assert.equal(contains('content.alt_aliases', null), true);
  assert.equal(contains('content.alias', '#a:b'), false, 'not an array');
  assert.equal(contains('content.missing', 'x'), false);
  assert.equal(contains('content.alt_aliases', { x: 1 } as unknown as string), false, 'compound values are ignored');
});

test('contains_display_name: the recipient\'s display name as a word-bounded, case-insensitive literal', () => {
  const cond = { kind: 'contains_display_name' };
  assert.equal(holds(cond, message({ body: 'hi alice liddell, hi' })), true);
  assert.equal(holds(cond, message({ body: 'hi Alice Liddellx' })), false);
  assert.equal(holds(cond, message({ body: 'hi there' })), false);
  assert.equal(holds(cond, message({ body: 'hi alice' }), {}, { userId: ME, displayName: null }), false, 'no display name');
  assert.equal(holds(cond, message({ body: 'anything' }), {}, { userId: ME, displayName: '' }), false, 'an empty name never matches');
  assert.equal(holds(cond, message({ body: 'x' }), {}, { userId: ME, displayName: '*' }), false, 'the name is not a glob');
  assert.equal(holds(cond, { type: 'm.room.message', content: { body: 5 } }), false);
});

test('room_member_count: ==, <, >, <=, >= and no prefix; malformed values never match', () => {
  const cases: [string, number, boolean][] = [
    ['2', 2, true], ['2', 3, false], ['==2', 2, true], ['==2', 1, false],
    ['<3', 2, true], ['<3', 3, false], ['>3', 4, true], ['>3', 3, false],
    ['<=3', 3, true], ['<=3', 4, false], ['>=3', 3, true], ['>=3', 2, false],
    ['=2', 2, false], ['2.0', 2, false], [' 2', 2, false], ['', 0, false], ['two', 2, false], ['>=', 2, false], ['<>2', 2, false], ['-1', 0, false],
  ];
  for (const [is, count, expected] of cases) assert.equal(memberCountMatches(is, count), expected, `${is} with ${count}`);
  assert.equal(holds({ kind: 'room_member_count', is: '<=10' }, message({ body: 'x' }), { members: 10 }), true);
  assert.equal(holds({ kind: 'room_member_count', is: 2 }, message({ body: 'x' }), { members: 2 }), false, '"is" must be a string');
  assert.equal(holds({ kind: 'room_member_count' }, message({ body: 'x' }), { members: 2 }), false);
});

test('sender_notification_permission asks about the key given', () => {
  const event = message({ body: 'x' });
  assert.equal(holds({ kind: 'sender_notification_permission', key: 'room' }, event, { permitted: ['room'] }), true);
  assert.equal(holds({ kind: 'sender_notification_permission', key: 'room' }, event, { permitted: [] }), false);
  assert.equal(holds({ kind: 'sender_notification_permission', key: 'other' }, event, { permitted: ['room'] }), false);
  assert.equal(holds({ kind: 'sender_notification_permission' }, event, { permitted: ['room'] }), false);
});

test('unknown conditions never match, which disables their rule', () => {
  assert.equal(holds({ kind: 'org.example.unknown' }, message({ body: 'x' })), false);
  assert.equal(holds({}, message({ body: 'x' })), false);
  const ruleset = userRules([{ ruleId: 'weird', conditions: [{ kind: 'org.example.unknown' }], actions: ['notify', { set_tweak: 'highlight' }] }]);
  assert.equal(ruleIdFor(message({ body: 'x', msgtype: 'm.text' }), {}, ruleset), '.m.rule.message');
});

// ---- the default ruleset ----

test('the default rules are the specification\'s, in its order, with the user\'s ID and localpart filled in', () => {
  const rules = defaultPushRules(ME);
  assert.deepEqual(
    rules.override.map((r) => r.rule_id),
    [
      '.m.rule.master', '.m.rule.suppress_notices', '.m.rule.invite_for_me', '.m.rule.member_event', '.m.rule.is_user_mention',
      '.m.rule.contains_display_name', '.m.rule.is_room_mention', '.m.rule.roomnotif', '.m.rule.tombstone', '.m.rule.reaction',
      '.m.rule.room.server_acl', '.m.rule.suppress_edits',
    ],
  );
  assert.deepEqual(rules.content.map((r) => [r.rule_id, r.pattern]), [['.m.rule.contains_user_name', 'alice']]);
  assert.deepEqual(rules.room, []);
  assert.deepEqual(rules.sender, []);
  assert.deepEqual(
    rules.underride.map((r) => r.rule_id),
    ['.m.rule.call', '.m.rule.encrypted_room_one_to_one', '.m.rule.room_one_to_one', '.m.rule.message', '.m.rule.encrypted'],
  );
  for (const kind of ['override', 'content', 'underride'] as const) for (const r of rules[kind]) assert.equal(r.default, true);
  assert.equal(rules.override[0]!.enabled, false, 'master is disabled by default');
  assert.ok(rules.override.slice(1).every((r) => r.enabled));
  assert.deepEqual(rules.override.find((r) => r.rule_id === '.m.rule.is_user_mention')!.conditions, [
    { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: ME },
  ]);
  assert.deepEqual(rules.override.find((r) => r.rule_id === '.m.rule.invite_for_me')!.conditions!.at(-1), { kind: 'event_match', key: 'state_key', pattern: ME });
});

test('.m.rule.master: disabled it does nothing; enabled it silences everything, ahead of the user\'s own rules', () => {
  const mention = message({ body: 'hi', msgtype: 'm.text', 'm.mentions': { user_ids: [ME] } });
  assert.equal(ruleIdFor(mention), '.m.rule.is_user_mention');
  const masterOn = userRules(
    [{ ruleId: 'mine', conditions: [], actions: ['notify', { set_tweak: 'highlight' }] }],
    [{ kind: 'override', ruleId: '.m.rule.master', enabled: true, actions: null }],
  );
  assert.equal(masterOn.override[0]!.rule_id, '.m.rule.master');
  const result = evaluate(mention, {}, masterOn);
  assert.equal(result?.ruleId, '.m.rule.master');
  assert.deepEqual(result?.actions, []);
  assert.equal(notifies(result!.actions), false);
});

test('.m.rule.suppress_notices silences m.notice messages, even one-to-one', () => {
  const result = evaluate(message({ body: 'bot says', msgtype: 'm.notice' }), { members: 2 });
  assert.equal(result?.ruleId, '.m.rule.suppress_notices');
  assert.deepEqual(result?.actions, []);
});

test('.m.rule.invite_for_me notifies with a sound for an invite of the recipient; other member events are silent', () => {
  const invite = { type: 'm.room.member', state_key: ME, content: { membership: 'invite' } };
  const result = evaluate(invite);
  assert.equal(result?.ruleId, '.m.rule.invite_for_me');
  assert.deepEqual(result?.actions, ['notify', { set_tweak: 'sound', value: 'default' }]);
  assert.equal(highlights(result!.actions), false);
  for (const other of [
    { type: 'm.room.member', state_key: '@carol:hs.test', content: { membership: 'invite' } },
    { type: 'm.room.member', state_key: BOB, content: { membership: 'join' } },
    { type: 'm.room.member', state_key: ME, content: { membership: 'leave' } },
  ]) {
    const r = evaluate(other);
    assert.equal(r?.ruleId, '.m.rule.member_event');
    assert.deepEqual(r?.actions, []);
  }
});

test('.m.rule.is_user_mention highlights when m.mentions.user_ids has the recipient', () => {
  const result = evaluate(message({ body: 'hey', msgtype: 'm.text', 'm.mentions': { user_ids: [ME] } }));
  assert.equal(result?.ruleId, '.m.rule.is_user_mention');
  assert.deepEqual(result?.actions, ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }]);
  assert.equal(highlights(result!.actions), true);
  const other = evaluate(message({ body: 'hey', msgtype: 'm.text', 'm.mentions': { user_ids: ['@carol:hs.test'] } }));
  assert.equal(other?.ruleId, '.m.rule.message');
  assert.equal(highlights(other!.actions), false);
});

test('.m.rule.is_room_mention highlights m.mentions.room = true only when the sender may notify the room', () => {
  const atRoom = message({ body: 'everyone!', msgtype: 'm.text', 'm.mentions': { room: true } });
  assert.equal(ruleIdFor(atRoom, { permitted: ['room'] }), '.m.rule.is_room_mention');
  assert.deepEqual(evaluate(atRoom, { permitted: ['room'] })?.actions, ['notify', { set_tweak: 'highlight' }]);
  assert.equal(ruleIdFor(atRoom, { permitted: [] }), '.m.rule.message');
  assert.equal(ruleIdFor(message({ body: 'x', msgtype: 'm.text', 'm.mentions': { room: 'true' } }), { permitted: ['room'] }), '.m.rule.message');
});

test('legacy mention rules (display name, @room, localpart) apply only to events without m.mentions', () => {
  const byName = message({ body: 'ping Alice Liddell please', msgtype: 'm.text' });
  assert.equal(ruleIdFor(byName), '.m.rule.contains_display_name');
  assert.equal(highlights(evaluate(byName)!.actions), true);
  assert.equal(ruleIdFor(message({ body: 'ping Alice Liddell please', msgtype: 'm.text', 'm.mentions': {} })), '.m.rule.message');

  const atRoom = message({ body: 'hey @room look', msgtype: 'm.text' });
  assert.equal(ruleIdFor(atRoom, { permitted: ['room'] }), '.m.rule.roomnotif');
  assert.equal(ruleIdFor(atRoom, { permitted: [] }), '.m.rule.message');
  assert.equal(ruleIdFor(message({ body: 'hey @room look', msgtype: 'm.text', 'm.mentions': {} }), { permitted: ['room'] }), '.m.rule.message');

  const byLocalpart = message({ body: 'is ALICE around?', msgtype: 'm.text' });
  assert.equal(ruleIdFor(byLocalpart), '.m.rule.contains_user_name');
  assert.deepEqual(evaluate(byLocalpart)?.actions, ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }]);
  assert.equal(ruleIdFor(message({ body: 'is malice around?', msgtype: 'm.text' })), '.m.rule.message');
  assert.equal(ruleIdFor(message({ body: 'is alice around?', msgtype: 'm.text', 'm.mentions': { user_ids: [] } })), '.m.rule.message');
});

test('.m.rule.tombstone highlights a room upgrade; a tombstone with another state key does not', () => {
  const result = evaluate({ type: 'm.room.tombstone', state_key: '', content: { body: 'moved', replacement_room: '!new:hs.test' } });
  assert.equal(result?.ruleId, '.m.rule.tombstone');
  assert.deepEqual(result?.actions, ['notify', { set_tweak: 'highlight' }]);
  assert.equal(ruleIdFor({ type: 'm.room.tombstone', state_key: 'x', content: {} }), null);
});

test('.m.rule.reaction, .m.rule.room.server_acl and .m.rule.suppress_edits are silent', () => {
  const reaction = evaluate({ type: 'm.reaction', content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$x', key: '👍' } } }, { members: 2 });
  assert.deepEqual([reaction?.ruleId, reaction?.actions], ['.m.rule.reaction', []]);
  const acl = evaluate({ type: 'm.room.server_acl', state_key: '', content: { allow: ['*'] } });
  assert.deepEqual([acl?.ruleId, acl?.actions], ['.m.rule.room.server_acl', []]);
  const edit = evaluate(
    message({ body: '* Alice Liddell fixed', msgtype: 'm.text', 'm.new_content': { body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } }),
    { members: 2 },
  );
  assert.equal(edit?.ruleId, '.m.rule.contains_display_name', 'the legacy display-name rule comes before suppress_edits');
  const editWithMentions = evaluate(
    message({ body: '* fixed', msgtype: 'm.text', 'm.mentions': {}, 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } }),
    { members: 2 },
  );
  assert.deepEqual([editWithMentions?.ruleId, editWithMentions?.actions], ['.m.rule.suppress_edits', []]);
});

test('underride rules: calls ring, one-to-one rooms get a sound, group messages just notify, encrypted likewise', () => {
  const call = evaluate({ type: 'm.call.invite', content: { call_id: 'c', version: 1 } });
  assert.deepEqual([call?.ruleId, call?.actions], ['.m.rule.call', ['notify', { set_tweak: 'sound', value: 'ring' }]]);

  const encrypted = { type: 'm.room.encrypted', content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'xyz' } };
  const enc1to1 = evaluate(encrypted, { members: 2 });
  assert.deepEqual([enc1to1?.ruleId, enc1to1?.actions], ['.m.rule.encrypted_room_one_to_one', ['notify', { set_tweak: 'sound', value: 'default' }]]);
  const encGroup = evaluate(encrypted, { members: 3 });
  assert.deepEqual([encGroup?.ruleId, encGroup?.actions], ['.m.rule.encrypted', ['notify']]);

  const text = message({ body: 'hello', msgtype: 'm.text' });
  const dm = evaluate(text, { members: 2 });
  assert.deepEqual([dm?.ruleId, dm?.actions], ['.m.rule.room_one_to_one', ['notify', { set_tweak: 'sound', value: 'default' }]]);
  const group = evaluate(text, { members: 3 });
  assert.deepEqual([group?.ruleId, group?.actions], ['.m.rule.message', ['notify']]);

  assert.equal(evaluate({ type: 'm.room.topic', state_key: '', content: { topic: 'hello' } }), null, 'no rule matches other events');
  assert.equal(evaluate({ type: 'org.example.custom', content: { body: 'hello' } }), null);
});

// ---- user rules ----

test('user rules of every kind, checked in kind order: override, content, room, sender, underride', () => {
  const text = message({ body: 'I like cake', msgtype: 'm.text' });
  const ruleset = userRules([
    { kind: 'underride', ruleId: 'u', conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }], actions: ['notify', { set_tweak: 'sound', value: 'u' }] },
    { kind: 'sender', ruleId: BOB, actions: ['notify', { set_tweak: 'sound', value: 's' }] },
    { kind: 'room', ruleId: ROOM, actions: ['notify', { set_tweak: 'sound', value: 'r' }] },
    { kind: 'content', ruleId: 'cake', pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'c' }] },
    { kind: 'override', ruleId: 'o', conditions: [{ kind: 'event_match', key: 'content.body', pattern: 'like' }], actions: ['notify', { set_tweak: 'sound', value: 'o' }] },
  ]);
  const order = ['o', 'cake', ROOM, BOB, 'u'];
  let current = ruleset;
  for (const expected of order) {
    assert.equal(ruleIdFor(text, {}, current), expected);
    // Disabled rules never match: turn it off and the next kind decides.
    const kind = (['override', 'content', 'room', 'sender', 'underride'] as const)[order.indexOf(expected)]!;
    current = { ...current, [kind]: current[kind].map((r) => (r.rule_id === expected ? { ...r, enabled: false } : r)) };
  }
  assert.equal(ruleIdFor(text, {}, current), '.m.rule.message');
});

test('room and sender rules compare IDs exactly; content rules match words of the body', () => {
  const ruleset = userRules([
    { kind: 'room', ruleId: '!other:hs.test', actions: [] },
    { kind: 'sender', ruleId: '@BOB:hs.test', actions: [] },
    { kind: 'content', ruleId: 'tea', pattern: 'tea', actions: [] },
  ]);
  assert.equal(ruleIdFor(message({ body: 'time for steam', msgtype: 'm.text' }), {}, ruleset), '.m.rule.message');
  assert.equal(ruleIdFor(message({ body: 'time for tea', msgtype: 'm.text' }), {}, ruleset), 'tea');
});

test('a user rule with empty actions or historical actions only suppresses notifications; dont_notify and coalesce are stripped', () => {
  const ruleset = userRules([
    { kind: 'room', ruleId: ROOM, actions: ['dont_notify'] },
    { kind: 'content', ruleId: 'loud', pattern: 'loud', actions: ['coalesce', 'notify', 'dont_notify', { set_tweak: 'highlight', value: false }] },
  ]);
  const quiet = evaluate(message({ body: 'hello', msgtype: 'm.text' }), {}, ruleset);
  assert.deepEqual([quiet?.ruleId, quiet?.actions], [ROOM, []]);
  const loud = evaluate(message({ body: 'LOUD', msgtype: 'm.text' }), {}, ruleset);
  assert.deepEqual(loud?.actions, ['notify', { set_tweak: 'highlight', value: false }]);
  assert.equal(highlights(loud!.actions), false, 'highlight false is not a highlight');
});

test('user rules come before the defaults of their kind; changed default actions and enabled flags apply', () => {
  const ruleset = userRules(
    [{ kind: 'override', ruleId: 'mine', conditions: [{ kind: 'event_match', key: 'content.msgtype', pattern: 'm.notice' }], actions: ['notify'] }],
    [
      { kind: 'underride', ruleId: '.m.rule.message', enabled: null, actions: ['notify', { set_tweak: 'highlight' }] },
      { kind: 'override', ruleId: '.m.rule.is_user_mention', enabled: false, actions: null },
    ],
  );
  assert.deepEqual(
    ruleset.override.slice(0, 3).map((r) => r.rule_id),
    ['.m.rule.master', 'mine', '.m.rule.suppress_notices'],
  );
  assert.equal(ruleIdFor(message({ body: 'bot', msgtype: 'm.notice' }), {}, ruleset), 'mine');
  const msg = evaluate(message({ body: 'hi', msgtype: 'm.text' }), {}, ruleset);
  assert.equal(highlights(msg!.actions), true);
  assert.equal(ruleIdFor(message({ body: 'hi', msgtype: 'm.text', 'm.mentions': { user_ids: [ME] } }), {}, ruleset), '.m.rule.message');
});
