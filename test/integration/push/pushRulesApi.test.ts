/** `/pushrules/` over real HTTP: the default ruleset (spec-validated), editing rules, and every error path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

const V3 = '/_matrix/client/v3';

function assertSpec(method: string, path: string, res: TestResponse) {
  assert.deepEqual(validateResponse('client-server', method, path, res.status, res.body), [], `${method} ${path} ${res.status} ${res.text}`);
}

function errcodeOf(res: TestResponse): string | undefined {
  return (res.body as { errcode?: string } | undefined)?.errcode;
}

interface Rule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: unknown[];
  conditions?: unknown[];
  pattern?: string;
}
type Ruleset = Record<'override' | 'content' | 'room' | 'sender' | 'underride', Rule[]>;

async function setup(t: Parameters<typeof startTestHomeserver>[0]): Promise<{ hs: RunningHomeserver; alice: LoggedInUser; call: (method: string, path: string, body?: unknown) => Promise<TestResponse> }> {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const call = (method: string, path: string, body?: unknown) =>
    request(hs.baseUrl, method, `${V3}${path}`, { accessToken: alice.accessToken, ...(body === undefined ? {} : { body }) });
  return { hs, alice, call };
}

async function ruleset(call: (method: string, path: string) => Promise<TestResponse>): Promise<Ruleset> {
  const res = await call('GET', '/pushrules/');
  assert.equal(res.status, 200, res.text);
  return (res.body as { global: Ruleset }).global;
}

test('GET /pushrules/ serves the default ruleset, valid against the spec, with the user\'s ID and localpart', async (t) => {
  const { call, alice } = await setup(t);
  const res = await call('GET', '/pushrules/');
  assert.equal(res.status, 200, res.text);
  assertSpec('GET', `${V3}/pushrules/`, res);
  const global = (res.body as { global: Ruleset }).global;
  assert.deepEqual(Object.keys(global).sort(), ['content', 'override', 'room', 'sender', 'underride']);
  assert.deepEqual(
    global.override.map((r) => r.rule_id),
    [
      '.m.rule.master', '.m.rule.suppress_notices', '.m.rule.invite_for_me', '.m.rule.member_event', '.m.rule.is_user_mention',
      '.m.rule.contains_display_name', '.m.rule.is_room_mention', '.m.rule.roomnotif', '.m.rule.tombstone', '.m.rule.reaction',
      '.m.rule.room.server_acl', '.m.rule.suppress_edits',
    ],
  );
  assert.deepEqual(global.content, [
    {
      rule_id: '.m.rule.contains_user_name',
      default: true,
      enabled: true,
      pattern: 'alice',
      actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
    },
  ]);
  assert.deepEqual(global.underride.map((r) => r.rule_id), ['.m.rule.call', '.m.rule.encrypted_room_one_to_one', '.m.rule.room_one_to_one', '.m.rule.message', '.m.rule.encrypted']);
  assert.deepEqual(global.room, []);
  assert.deepEqual(global.sender, []);
  assert.deepEqual(global.override[0], { rule_id: '.m.rule.master', default: true, enabled: false, conditions: [], actions: [] });
  assert.deepEqual(global.override.find((r) => r.rule_id === '.m.rule.is_user_mention')!.conditions, [
    { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: alice.userId },
  ]);

  const globalOnly = await call('GET', '/pushrules/global/');
  assert.equal(globalOnly.status, 200);
  assertSpec('GET', `${V3}/pushrules/global/`, globalOnly);
  assert.deepEqual(globalOnly.body, global);

  const kindList = await call('GET', '/pushrules/global/underride/');
  assert.deepEqual(kindList.body, global.underride);

});

test('GET a single rule, its enabled flag and its actions; unknown rules are 404 M_NOT_FOUND', async (t) => {
  const { call } = await setup(t);
  const path = '/pushrules/global/override/.m.rule.suppress_notices';
  const rule = await call('GET', path);
  assert.equal(rule.status, 200);
  assertSpec('GET', `${V3}${path}`, rule);
  assert.deepEqual(rule.body, {
    rule_id: '.m.rule.suppress_notices',
    default: true,
    enabled: true,
    conditions: [{ kind: 'event_match', key: 'content.msgtype', pattern: 'm.notice' }],
    actions: [],
  });
  const enabled = await call('GET', `${path}/enabled`);
  assertSpec('GET', `${V3}${path}/enabled`, enabled);
  assert.deepEqual(enabled.body, { enabled: true });
  const actions = await call('GET', '/pushrules/global/underride/.m.rule.call/actions');
  assertSpec('GET', `${V3}/pushrules/global/underride/.m.rule.call/actions`, actions);
  assert.deepEqual(actions.body, { actions: ['notify', { set_tweak: 'sound', value: 'ring' }] });

  for (const missing of ['/pushrules/global/override/nope', '/pushrules/global/content/.m.rule.master', '/pushrules/global/room/nope/enabled', '/pushrules/global/sender/nope/actions']) {
    const res = await call('GET', missing);
    assert.deepEqual([res.status, errcodeOf(res)], [404, 'M_NOT_FOUND'], missing);
    assertSpec('GET', `${V3}${missing}`, res);
  }
});

test('adding rules of every kind: new rules are enabled, first among the user\'s rules of their kind, ahead of the defaults', async (t) => {
  const { call } = await setup(t);
  const put = async (path: string, body: unknown) => {
    const res = await call('PUT', path, body);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    assertSpec('PUT', `${V3}${path}`, res);
    assert.deepEqual(res.body, {});
  };
  await put('/pushrules/global/content/cake', { pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }] });
  await put('/pushrules/global/override/beer', {
    conditions: [{ kind: 'event_match', key: 'content.body', pattern: 'beer' }, { kind: 'room_member_count', is: '<=10' }],
    actions: ['notify'],
  });
  await put('/pushrules/global/underride/later', { conditions: [], actions: ['dont_notify'] });
  await put(`/pushrules/global/room/${encodeURIComponent('!dj234r78wl45Gh4D:matrix.org')}`, { actions: [] });
  await put(`/pushrules/global/sender/${encodeURIComponent('@spambot:matrix.org')}`, { actions: [], conditions: [{ kind: 'ignored' }], pattern: 'ignored' });

  const rules = await ruleset(call);
  assert.deepEqual(rules.content[0], { rule_id: 'cake', default: false, enabled: true, pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }] });
  assert.equal(rules.content[1]!.rule_id, '.m.rule.contains_user_name');
  assert.deepEqual(rules.override.slice(0, 2).map((r) => r.rule_id), ['.m.rule.master', 'beer'], 'master stays first');
  assert.deepEqual(rules.override[1]!.conditions, [{ kind: 'event_match', key: 'content.body', pattern: 'beer' }, { kind: 'room_member_count', is: '<=10' }]);
  assert.equal(rules.underride[0]!.rule_id, 'later');
  assert.deepEqual(rules.room, [{ rule_id: '!dj234r78wl45Gh4D:matrix.org', default: false, enabled: true, actions: [] }]);
  assert.deepEqual(rules.sender, [{ rule_id: '@spambot:matrix.org', default: false, enabled: true, actions: [] }], 'sender rules carry no conditions or pattern');

  const one = await call('GET', '/pushrules/global/content/cake');
  assertSpec('GET', `${V3}/pushrules/global/content/cake`, one);
  const full = await call('GET', '/pushrules/');
  assertSpec('GET', `${V3}/pushrules/`, full);
});

test('before and after place a rule relative to the user\'s rules; replacing a rule moves it and keeps it disabled', async (t) => {
  const { call } = await setup(t);
  const put = (id: string, query = '', body: unknown = { pattern: id, actions: ['notify'] }) => call('PUT', `/pushrules/global/content/${id}${query}`, body);
  const order = async () => (await ruleset(call)).content.filter((r) => !r.default).map((r) => r.rule_id);
  assert.equal((await put('a')).status, 200);
  assert.equal((await put('b')).status, 200);
  assert.deepEqual(await order(), ['b', 'a'], 'new rules go first');
  assert.equal((await put('c', '?after=b')).status, 200);
  assert.deepEqual(await order(), ['b', 'c', 'a']);
  assert.equal((await put('d', '?before=a')).status, 200);
  assert.deepEqual(await order(), ['b', 'c', 'd', 'a']);
  assert.equal((await put('e', '?before=b')).status, 200);
  assert.deepEqual(await order(), ['e', 'b', 'c', 'd', 'a']);
  assert.equal((await put('f', '?after=a')).status, 200);
  assert.deepEqual(await order(), ['e', 'b', 'c', 'd', 'a', 'f']);
  assert.equal((await put('g', '?before=c&after=f')).status, 200, 'before wins over after');
  assert.deepEqual(await order(), ['e', 'b', 'g', 'c', 'd', 'a', 'f']);

  // Replacing: new content, moved (first, or where before/after say), enabled flag kept.
  assert.equal((await call('PUT', '/pushrules/global/content/d/enabled', { enabled: false })).status, 200);
  assert.equal((await put('d', '', { pattern: 'dee', actions: [] })).status, 200);
  assert.deepEqual(await order(), ['d', 'e', 'b', 'g', 'c', 'a', 'f']);
  const d = (await call('GET', '/pushrules/global/content/d')).body as Rule;
  assert.deepEqual(d, { rule_id: 'd', default: false, enabled: false, pattern: 'dee', actions: [] });
  assert.equal((await put('d', '?after=f')).status, 200);
  assert.deepEqual(await order(), ['e', 'b', 'g', 'c', 'a', 'f', 'd']);

  // Unknown or default rules cannot be the reference point; nothing changes.
  for (const query of ['?before=nope', '?after=nope', '?before=.m.rule.contains_user_name', '?after=d2']) {
    const res = await put('x', query);
    assert.deepEqual([res.status, errcodeOf(res)], [400, 'M_UNKNOWN'], query);
    assertSpec('PUT', `${V3}/pushrules/global/content/x`, res);
  }
  const self = await put('d', '?before=d');
  assert.deepEqual([self.status, errcodeOf(self)], [400, 'M_UNKNOWN']);
  assert.deepEqual(await order(), ['e', 'b', 'g', 'c', 'a', 'f', 'd']);
  // before/after of another kind's rule do not count.
  assert.equal((await call('PUT', '/pushrules/global/override/o1', { conditions: [], actions: [] })).status, 200);
  const crossKind = await put('y', '?before=o1');
  assert.equal(errcodeOf(crossKind), 'M_UNKNOWN');
});

test('enabling, disabling and changing actions of user rules and server-default rules', async (t) => {
  const { call } = await setup(t);
  assert.equal((await call('PUT', '/pushrules/global/room/!r:hs.test', { actions: ['notify'] })).status, 200);

  const put = async (path: string, body: unknown) => {
    const res = await call('PUT', path, body);
    assert.equal(res.status, 200, `${path} ${res.text}`);
    assertSpec('PUT', `${V3}${path}`, res);
  };
  await put('/pushrules/global/room/!r:hs.test/enabled', { enabled: false });
  await put('/pushrules/global/override/.m.rule.master/enabled', { enabled: true });
  await put('/pushrules/global/underride/.m.rule.message/actions', { actions: ['notify', { set_tweak: 'highlight' }] });
  await put('/pushrules/global/room/!r:hs.test/actions', { actions: ['dont_notify'] });
  await put('/pushrules/global/override/.m.rule.suppress_notices/enabled', { enabled: false });

  let rules = await ruleset(call);
  assert.deepEqual(rules.room[0], { rule_id: '!r:hs.test', default: false, enabled: false, actions: ['dont_notify'] });
  assert.equal(rules.override[0]!.enabled, true);
  assert.equal(rules.override.find((r) => r.rule_id === '.m.rule.suppress_notices')!.enabled, false);
  assert.deepEqual(rules.underride.find((r) => r.rule_id === '.m.rule.message')!.actions, ['notify', { set_tweak: 'highlight' }]);
  assert.equal(rules.underride.find((r) => r.rule_id === '.m.rule.message')!.enabled, true, 'changing actions leaves enabled alone');
  assert.deepEqual((await call('GET', '/pushrules/global/override/.m.rule.master/enabled')).body, { enabled: true });

  await put('/pushrules/global/override/.m.rule.master/enabled', { enabled: false });
  await put('/pushrules/global/underride/.m.rule.message/actions', { actions: ['notify'] });
  rules = await ruleset(call);
  assert.equal(rules.override[0]!.enabled, false);
  assert.deepEqual(rules.underride.find((r) => r.rule_id === '.m.rule.message')!.actions, ['notify']);
});

test('deleting user rules; server-default rules cannot be deleted or replaced', async (t) => {
  const { call } = await setup(t);
  assert.equal((await call('PUT', '/pushrules/global/sender/@x:hs.test', { actions: [] })).status, 200);
  const del = await call('DELETE', '/pushrules/global/sender/@x:hs.test');
  assert.equal(del.status, 200);
  assertSpec('DELETE', `${V3}/pushrules/global/sender/@x:hs.test`, del);
  assert.deepEqual(del.body, {});
  assert.deepEqual((await ruleset(call)).sender, []);
  const again = await call('DELETE', '/pushrules/global/sender/@x:hs.test');
  assert.deepEqual([again.status, errcodeOf(again)], [404, 'M_NOT_FOUND']);
  assertSpec('DELETE', `${V3}/pushrules/global/sender/@x:hs.test`, again);

  const deleteDefault = await call('DELETE', '/pushrules/global/override/.m.rule.master');
  assert.deepEqual([deleteDefault.status, errcodeOf(deleteDefault)], [404, 'M_NOT_FOUND']);
  assertSpec('DELETE', `${V3}/pushrules/global/override/.m.rule.master`, deleteDefault);
  const replaceDefault = await call('PUT', '/pushrules/global/override/.m.rule.master', { conditions: [], actions: ['notify'] });
  assert.deepEqual([replaceDefault.status, errcodeOf(replaceDefault)], [400, 'M_INVALID_PARAM']);
  assertSpec('PUT', `${V3}/pushrules/global/override/.m.rule.master`, replaceDefault);
  const rules = await ruleset(call);
  assert.deepEqual(rules.override[0], { rule_id: '.m.rule.master', default: true, enabled: false, conditions: [], actions: [] });
});

test('error paths: scopes, kinds, rule IDs, paths, attributes', async (t) => {
  const { call } = await setup(t);
  const expect = async (method: string, path: string, body: unknown, status: number, errcode: string) => {
    const res = await call(method, path, body);
    assert.deepEqual([res.status, errcodeOf(res)], [status, errcode], `${method} ${path}: ${res.text}`);
    assert.equal(typeof (res.body as { error?: unknown }).error, 'string');
    return res;
  };
  const rule = { conditions: [], actions: ['notify'] };
  // Other scopes.
  for (const method of ['GET', 'PUT', 'DELETE']) await expect(method, '/pushrules/device/override/x', method === 'PUT' ? rule : undefined, 400, 'M_INVALID_PARAM');
  await expect('GET', '/pushrules/device/', undefined, 400, 'M_INVALID_PARAM');
  // Unknown kinds.
  for (const method of ['GET', 'PUT', 'DELETE']) await expect(method, '/pushrules/global/postcontent/x', method === 'PUT' ? rule : undefined, 400, 'M_INVALID_PARAM');
  await expect('GET', '/pushrules/global/nokind/', undefined, 400, 'M_INVALID_PARAM');
  await expect('PUT', '/pushrules/global/nokind/x/enabled', { enabled: true }, 400, 'M_INVALID_PARAM');
  // Rule IDs.
  for (const id of ['.mine', 'a%2Fb', 'a%5Cb']) {
    const res = await expect('PUT', `/pushrules/global/override/${id}`, rule, 400, 'M_INVALID_PARAM');
    assertSpec('PUT', `${V3}/pushrules/global/override/${id}`, res);
  }
  await expect('PUT', '/pushrules/global/override/', rule, 400, 'M_INVALID_PARAM');
  // Paths that stop short (trailing-slash pedantry, as Synapse and sytest have it) and unknown attributes.
  await expect('GET', '/pushrules', undefined, 400, 'M_UNRECOGNIZED');
  await expect('GET', '/pushrules/global', undefined, 400, 'M_UNRECOGNIZED');
  await expect('GET', '/pushrules/global/room', undefined, 400, 'M_UNRECOGNIZED');
  await expect('PUT', '/pushrules/', rule, 400, 'M_UNRECOGNIZED');
  await expect('PUT', '/pushrules/global', rule, 400, 'M_UNRECOGNIZED');
  await expect('PUT', '/pushrules/global/room', rule, 400, 'M_UNRECOGNIZED');
  await expect('GET', '/pushrules/global/override/.m.rule.master/not_an_attr', undefined, 400, 'M_UNRECOGNIZED');
  await expect('PUT', '/pushrules/global/override/.m.rule.master/not_an_attr', { enabled: true }, 400, 'M_UNRECOGNIZED');
  await expect('DELETE', '/pushrules/global/override/.m.rule.master/enabled', undefined, 400, 'M_UNRECOGNIZED');
  await expect('GET', '/pushrules/global/override/.m.rule.master/enabled/more', undefined, 400, 'M_UNRECOGNIZED');
  // enabled / actions of rules that do not exist.
  for (const path of ['/pushrules/global/override/nope/enabled', '/pushrules/global/override/.m.rule.nope/enabled', '/pushrules/global/content/.m.rule.master/enabled']) {
    const res = await expect('PUT', path, { enabled: true }, 404, 'M_NOT_FOUND');
    assertSpec('PUT', `${V3}${path}`, res);
  }
  for (const path of ['/pushrules/global/override/nope/actions', '/pushrules/global/underride/.m.rule.nope/actions']) {
    const res = await expect('PUT', path, { actions: [] }, 404, 'M_NOT_FOUND');
    assertSpec('PUT', `${V3}${path}`, res);
  }
  // Without a token.
  const anonymous = await request((await startTestHomeserver(t)).baseUrl, 'GET', `${V3}/pushrules/`);
  assert.deepEqual([anonymous.status, errcodeOf(anonymous)], [401, 'M_MISSING_TOKEN']);
});

test('error paths: bad bodies', async (t) => {
  const { hs, alice, call } = await setup(t);
  const expect = async (path: string, body: unknown, errcode: string) => {
    const res = await call('PUT', path, body);
    assert.deepEqual([res.status, errcodeOf(res)], [400, errcode], `${path} ${JSON.stringify(body)}: ${res.text}`);
    assertSpec('PUT', `${V3}${path}`, res);
  };
  await expect('/pushrules/global/room/!r:hs.test', {}, 'M_MISSING_PARAM');
  await expect('/pushrules/global/room/!r:hs.test', { actions: 'notify' }, 'M_BAD_JSON');
  await expect('/pushrules/global/room/!r:hs.test', { actions: ['not_an_action'] }, 'M_UNKNOWN');
  await expect('/pushrules/global/room/!r:hs.test', { actions: [{ value: 'x' }] }, 'M_UNKNOWN');
  await expect('/pushrules/global/room/!r:hs.test', { actions: [5] }, 'M_UNKNOWN');
  await expect('/pushrules/global/override/o', { actions: ['notify'] }, 'M_MISSING_PARAM');
  await expect('/pushrules/global/underride/u', { actions: ['notify'] }, 'M_MISSING_PARAM');
  await expect('/pushrules/global/override/o', { conditions: {}, actions: ['notify'] }, 'M_BAD_JSON');
  await expect('/pushrules/global/override/o', { conditions: ['x'], actions: ['notify'] }, 'M_BAD_JSON');
  await expect('/pushrules/global/underride/u', { conditions: [{}], actions: ['notify'] }, 'M_UNKNOWN');
  await expect('/pushrules/global/content/c', { actions: ['notify'] }, 'M_MISSING_PARAM');
  await expect('/pushrules/global/content/c', { pattern: 5, actions: ['notify'] }, 'M_BAD_JSON');
  await expect('/pushrules/global/override/.m.rule.master/enabled', { enabled: 'not a boolean' }, 'M_BAD_JSON');
  await expect('/pushrules/global/override/.m.rule.master/enabled', {}, 'M_MISSING_PARAM');
  await expect('/pushrules/global/override/.m.rule.master/actions', { actions: {} }, 'M_BAD_JSON');
  await expect('/pushrules/global/override/.m.rule.master/actions', {}, 'M_MISSING_PARAM');
  await expect('/pushrules/global/override/.m.rule.master/actions', { actions: ['nope'] }, 'M_UNKNOWN');
  await expect('/pushrules/global/room/!r:hs.test', [], 'M_BAD_JSON');
  const notJson = await request(hs.baseUrl, 'PUT', `${V3}/pushrules/global/room/!r:hs.test`, { accessToken: alice.accessToken, rawBody: '{nope', headers: { 'Content-Type': 'application/json' } });
  assert.deepEqual([notJson.status, errcodeOf(notJson)], [400, 'M_NOT_JSON']);
  // Nothing was written by any of these.
  const rules = await ruleset(call);
  assert.deepEqual([rules.room, rules.content.length, rules.override.length, rules.underride.length], [[], 1, 12, 5]);
  assert.equal(rules.override[0]!.enabled, false);
});

test('rules are per user, and each change advances the push-rules stream for /sync', async (t) => {
  const { hs, alice, call } = await setup(t);
  const bob = await createLoggedInUser(hs, 'bob');
  const pushRules = hs.homeserver.handlers.pushRules;
  const stores = hs.homeserver.storage.stores;
  const before = pushRules.currentStreamPosition();
  assert.equal((await call('PUT', '/pushrules/global/content/secret', { pattern: 'secret', actions: ['notify'] })).status, 200);
  const after = pushRules.currentStreamPosition();
  assert.ok(after > before);
  assert.equal(stores.pushRules.haveRulesChanged(alice.userId, before, after), true);
  assert.equal(stores.pushRules.haveRulesChanged(bob.userId, before, after), false);
  assert.deepEqual(stores.pushRules.getUsersWithChangedRules(before, after), [alice.userId]);
  // A refused change writes nothing to the stream either.
  assert.equal((await call('PUT', '/pushrules/global/content/x?before=nope', { pattern: 'x', actions: [] })).status, 400);
  assert.equal(pushRules.currentStreamPosition(), after);

  const bobRules = await request(hs.baseUrl, 'GET', `${V3}/pushrules/`, { accessToken: bob.accessToken });
  const bobGlobal = (bobRules.body as { global: Ruleset }).global;
  assert.deepEqual(bobGlobal.content.map((r) => [r.rule_id, r.pattern]), [['.m.rule.contains_user_name', 'bob']]);
  // The r0 prefix serves the same rules.
  const r0 = await request(hs.baseUrl, 'GET', '/_matrix/client/r0/pushrules/', { accessToken: alice.accessToken });
  assert.deepEqual((r0.body as { global: Ruleset }).global.content[0]!.rule_id, 'secret');
});
