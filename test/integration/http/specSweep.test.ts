/**
 * A sweep over the spec: every client-server operation in the OpenAPI definitions is called with a plausible
 * request on a server with some content (a room, a message, an alias, media, a filter). Each answer is either
 * the operation implemented (its response, success or error, validates against the operation's definition) or
 * 404/405 `M_UNRECOGNIZED`, so clients degrade gracefully. The test prints how many are implemented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoggedInUser, startTestHomeserver } from '../../support/testHomeserver.ts';
import { ClientApi } from '../../support/clientApi.ts';
import { request } from '../../support/httpClient.ts';
import { operations, validateResponse, type Operation } from '../../support/openApi.ts';

/** Query strings the operations need to be plausible. */
const QUERIES: Record<string, string> = {
  'GET /_matrix/client/v3/register/available': 'username=newname',
  'GET /_matrix/client/v1/register/m.login.registration_token/validity': 'token=abc',
  'GET /_matrix/client/v3/sync': 'timeout=0',
  'GET /_matrix/client/v3/events': 'timeout=0',
  'GET /_matrix/client/v3/rooms/{roomId}/messages': 'dir=b&limit=5',
  'GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event': `ts=0&dir=f`,
  'GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}': 'width=32&height=32&method=crop',
  'GET /_matrix/media/v3/thumbnail/{serverName}/{mediaId}': 'width=32&height=32&method=crop',
  'GET /_matrix/client/v1/media/preview_url': 'url=https%3A%2F%2Fexample.org',
  'GET /_matrix/media/v3/preview_url': 'url=https%3A%2F%2Fexample.org',
  'GET /_matrix/client/v3/thirdparty/location': 'alias=%23a%3Ab',
  'GET /_matrix/client/v3/thirdparty/user': 'userid=%40a%3Ab',
  'GET /_matrix/client/v3/keys/changes': 'from=s0&to=s1',
  'GET /_matrix/client/v3/login/sso/redirect': 'redirectUrl=https%3A%2F%2Fexample.org',
  'GET /_matrix/client/v3/login/sso/redirect/{idpId}': 'redirectUrl=https%3A%2F%2Fexample.org',
  'GET /_matrix/client/v3/room_keys/keys': 'version=1',
  'GET /_matrix/client/v3/room_keys/keys/{roomId}': 'version=1',
  'GET /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}': 'version=1',
  'PUT /_matrix/client/v3/room_keys/keys': 'version=1',
  'PUT /_matrix/client/v3/room_keys/keys/{roomId}': 'version=1',
  'PUT /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}': 'version=1',
  'DELETE /_matrix/client/v3/room_keys/keys': 'version=1',
  'DELETE /_matrix/client/v3/room_keys/keys/{roomId}': 'version=1',
  'DELETE /_matrix/client/v3/room_keys/keys/{roomId}/{sessionId}': 'version=1',
};

/** Plausible bodies; anything not listed gets `{}`. */
function bodyFor(op: Operation, fixture: Fixture): unknown {
  const key = `${op.method} ${op.pathTemplate}`;
  const bodies: Record<string, unknown> = {
    'POST /_matrix/client/v3/createRoom': { name: 'Sweep' },
    'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}': { msgtype: 'm.text', body: 'sweep' },
    'PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}': { name: 'Swept' },
    'PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}': { typing: false },
    'POST /_matrix/client/v3/search': { search_categories: { room_events: { search_term: 'hello' } } },
    'POST /_matrix/client/v3/user_directory/search': { search_term: 'alice' },
    'POST /_matrix/client/v3/pushers/set': { pushkey: 'k', kind: null, app_id: 'a' },
    'POST /_matrix/client/v3/rooms/{roomId}/upgrade': { new_version: '11' },
    'POST /_matrix/client/v3/rooms/{roomId}/invite': { user_id: fixture.other },
    'POST /_matrix/client/v3/rooms/{roomId}/kick': { user_id: fixture.other },
    'POST /_matrix/client/v3/rooms/{roomId}/ban': { user_id: '@nobody:elsewhere.test' },
    'POST /_matrix/client/v3/rooms/{roomId}/unban': { user_id: '@nobody:elsewhere.test' },
    'PUT /_matrix/client/v3/directory/room/{roomAlias}': { room_id: fixture.roomId },
    'PUT /_matrix/client/v3/directory/list/room/{roomId}': { visibility: 'private' },
    'PUT /_matrix/client/v3/presence/{userId}/status': { presence: 'online' },
    'PUT /_matrix/client/v3/profile/{userId}/{keyName}': { displayname: 'Alice' },
    'POST /_matrix/client/v3/user/{userId}/filter': { room: { timeline: { limit: 5 } } },
    'PUT /_matrix/client/v3/user/{userId}/account_data/{type}': { a: 1 },
    'PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}': { a: 1 },
    'PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag}': { order: 0.5 },
    'PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}': { actions: ['notify'], conditions: [] },
    'PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled': { enabled: true },
    'PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions': { actions: ['notify'] },
    'POST /_matrix/client/v3/rooms/{roomId}/read_markers': { 'm.fully_read': fixture.eventId },
    'POST /_matrix/client/v3/rooms/{roomId}/report/{eventId}': { reason: 'sweep' },
    'POST /_matrix/client/v3/rooms/{roomId}/report': { reason: 'sweep' },
    'POST /_matrix/client/v3/login': { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'password' },
    'POST /_matrix/client/v3/keys/query': { device_keys: { [fixture.userId]: [] } },
    'POST /_matrix/client/v3/keys/claim': { one_time_keys: {} },
    'PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}': { messages: {} },
    'POST /_matrix/client/v3/room_keys/version': { algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2', auth_data: { public_key: 'abc' } },
    'PUT /_matrix/client/v3/devices/{deviceId}': { display_name: 'Sweeper' },
    'POST /_matrix/client/v3/delete_devices': { devices: [] },
    'PUT /_matrix/media/v3/upload/{serverName}/{mediaId}': undefined,
  };
  return key in bodies ? bodies[key] : op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
}

interface Fixture {
  readonly userId: string;
  readonly deviceId: string;
  readonly other: string;
  readonly roomId: string;
  readonly eventId: string;
  readonly alias: string;
  readonly mediaId: string;
  readonly filterId: string;
}

function fillPath(op: Operation, fixture: Fixture, txn: number): string {
  const values: Record<string, string> = {
    userId: fixture.userId,
    roomId: fixture.roomId,
    eventId: fixture.eventId,
    roomAlias: fixture.alias,
    roomIdOrAlias: fixture.roomId,
    serverName: 'hs.test',
    mediaId: fixture.mediaId,
    fileName: 'f.png',
    deviceId: fixture.deviceId,
    filterId: fixture.filterId,
    type: 'org.example.sweep',
    eventType: op.pathTemplate.includes('/state/') ? 'm.room.name' : 'm.room.message',
    stateKey: '',
    txnId: `sweep${txn}`,
    kind: 'override',
    ruleId: 'sweep.rule',
    tag: 'm.favourite',
    receiptType: 'm.read',
    protocol: 'irc',
    keyName: 'displayname',
    version: '1',
    sessionId: 'session',
    relType: 'm.annotation',
    appserviceId: 'sweep-as',
    networkId: 'net',
    idpId: 'idp',
  };
  const path = op.pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for {${name}} in ${op.pathTemplate}`);
    return encodeURIComponent(values[name]!);
  });
  const query = QUERIES[`${op.method} ${op.pathTemplate}`];
  return query ? `${path}?${query}` : path;
}

test('every client-server operation of the spec is implemented (and validates) or answers M_UNRECOGNIZED', { timeout: 120_000 }, async (t) => {
  const hs = await startTestHomeserver(t, { voip: { turn_uris: ['turn:turn.hs.test:3478'], turn_shared_secret: 'x' } });
  const alice = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'alice'));
  const bob = new ClientApi(hs.baseUrl, await createLoggedInUser(hs, 'bob'));
  const roomId = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'sweep' });
  await bob.join(roomId);
  const eventId = await alice.text(roomId, 'hello sweep');
  const upload = await request(hs.baseUrl, 'POST', '/_matrix/media/v3/upload', { rawBody: Buffer.from('media'), headers: { 'Content-Type': 'text/plain' }, accessToken: alice.user.accessToken });
  const mediaId = String((upload.body as { content_uri: string }).content_uri).split('/').pop()!;
  const filterId = (await alice.ok<{ filter_id: string }>('POST', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/filter`, {})).filter_id;
  const fixture: Fixture = { userId: alice.userId, deviceId: alice.user.deviceId, other: bob.userId, roomId, eventId, alias: '#sweep:hs.test', mediaId, filterId };

  // Operations that end a session run as throwaway users, after everything else.
  const sessionEnding = new Set(['POST /_matrix/client/v3/logout', 'POST /_matrix/client/v3/logout/all']);
  const ops = [...operations('client-server')].sort((a, b) => Number(sessionEnding.has(`${a.method} ${a.pathTemplate}`)) - Number(sessionEnding.has(`${b.method} ${b.pathTemplate}`)));
  const implemented: string[] = [];
  const unrecognized: string[] = [];
  const problems: string[] = [];
  let txn = 0;
  for (const op of ops) {
    const key = `${op.method} ${op.pathTemplate}`;
    const token = sessionEnding.has(key) ? (await createLoggedInUser(hs, `throwaway${txn}`)).accessToken : alice.user.accessToken;
    const path = fillPath(op, fixture, txn++);
    const body = bodyFor(op, fixture);
    const res = await request(hs.baseUrl, op.method, path, { ...(body === undefined ? {} : { body }), accessToken: token });
    const errcode = (res.body as { errcode?: unknown } | undefined)?.errcode;
    if ((res.status === 404 || res.status === 405) && errcode === 'M_UNRECOGNIZED') {
      unrecognized.push(key);
      continue;
    }
    implemented.push(key);
    if (res.status >= 500) problems.push(`${key}: ${res.status} ${res.text}`);
    // Binary media answers have no JSON to validate.
    if (res.body === undefined && res.status === 200) continue;
    for (const problem of validateResponse('client-server', op.method, path, res.status, res.body)) problems.push(`${key} -> ${res.status}: ${problem} (${res.text.slice(0, 200)})`);
  }
  t.diagnostic(`implemented ${implemented.length}/${ops.length} client-server operations; M_UNRECOGNIZED: ${unrecognized.join(', ')}`);
  console.log(`spec sweep: implemented ${implemented.length}/${ops.length} client-server operations`);
  assert.deepEqual(problems, []);
  // The operations this server implements must keep answering.
  for (const expected of [
    'POST /_matrix/media/v3/upload', 'GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}', 'POST /_matrix/client/v3/search', 'GET /_matrix/client/v1/rooms/{roomId}/hierarchy',
    'POST /_matrix/client/v3/user/{userId}/openid/request_token', 'GET /_matrix/client/v3/admin/whois/{userId}', 'DELETE /_matrix/client/v3/profile/{userId}/{keyName}',
    'GET /.well-known/matrix/support', 'GET /_matrix/client/v1/room_summary/{roomIdOrAlias}', 'GET /_matrix/client/v1/mutual_rooms', 'POST /_matrix/client/v3/refresh',
    'GET /_matrix/client/v1/admin/lock/{userId}', 'PUT /_matrix/client/v1/admin/lock/{userId}', 'GET /_matrix/client/v1/admin/suspend/{userId}', 'PUT /_matrix/client/v1/admin/suspend/{userId}',
  ]) {
    assert.ok(implemented.includes(expected), expected);
  }
});
