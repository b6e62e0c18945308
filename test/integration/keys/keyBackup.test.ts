/**
 * Server-side key backups over real HTTP (spec-validated): versions created, read, updated and deleted; keys
 * stored, read and deleted at every scope with `etag` and `count`; a session's key replaced only by a better
 * one; writes to anything but the current version refused with M_WRONG_ROOM_KEYS_VERSION; bad bodies refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { CLIENT, twoE2eeUsers } from './e2eeTestKit.ts';

const ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';
const VERSION = `${CLIENT}/room_keys/version`;
const KEYS = `${CLIENT}/room_keys/keys`;
const ROOM = '!room:hs.test';
const enc = encodeURIComponent;

interface VersionInfo {
  algorithm: string;
  auth_data: JsonObject;
  count: number;
  etag: string;
  version: string;
}

function keyData(first: number, forwarded: number, verified: boolean, tag: string): JsonObject {
  return { first_message_index: first, forwarded_count: forwarded, is_verified: verified, session_data: { ephemeral: 'e', ciphertext: tag, mac: 'm' } };
}

test('backup versions: create, read the current one or any, update auth_data, delete (twice), unknown ones 404', async (t) => {
  const { alice, bob } = await twoE2eeUsers(t);
  await alice.api.fails('GET', VERSION, undefined, 404, 'M_NOT_FOUND');
  const { version } = await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: { public_key: 'abc' } });
  const current = await alice.api.ok<VersionInfo>('GET', VERSION);
  assert.deepEqual(current, { algorithm: ALGORITHM, auth_data: { public_key: 'abc' }, count: 0, etag: current.etag, version });
  assert.deepEqual(await alice.api.ok('GET', `${VERSION}/${version}`), current);
  // Backups are per user.
  await bob.api.fails('GET', VERSION, undefined, 404, 'M_NOT_FOUND');
  await bob.api.fails('GET', `${VERSION}/${version}`, undefined, 404, 'M_NOT_FOUND');

  await alice.api.ok('PUT', `${VERSION}/${version}`, { algorithm: ALGORITHM, auth_data: { public_key: 'abc', signatures: {} }, version });
  assert.deepEqual((await alice.api.ok<VersionInfo>('GET', VERSION)).auth_data, { public_key: 'abc', signatures: {} });
  await alice.api.fails('PUT', `${VERSION}/${version}`, { algorithm: 'other.algorithm', auth_data: {} }, 400, 'M_INVALID_PARAM');
  await alice.api.fails('PUT', `${VERSION}/${version}`, { algorithm: ALGORITHM, auth_data: {}, version: '99' }, 400, 'M_INVALID_PARAM');
  await alice.api.fails('PUT', `${VERSION}/99`, { algorithm: ALGORITHM, auth_data: {} }, 404, 'M_NOT_FOUND');

  const second = (await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: { public_key: 'def' } })).version;
  assert.notEqual(second, version);
  assert.equal((await alice.api.ok<VersionInfo>('GET', VERSION)).version, second);
  await alice.api.ok('DELETE', `${VERSION}/${second}`);
  await alice.api.ok('DELETE', `${VERSION}/${second}`);
  assert.equal((await alice.api.ok<VersionInfo>('GET', VERSION)).version, version, 'the older one is current again');
  await alice.api.fails('GET', `${VERSION}/${second}`, undefined, 404, 'M_NOT_FOUND');
  await alice.api.fails('DELETE', `${VERSION}/12345`, undefined, 404, 'M_NOT_FOUND');
  await alice.api.fails('DELETE', `${VERSION}/not-a-version`, undefined, 404, 'M_NOT_FOUND');
  // A new version never reuses a deleted number.
  const third = (await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: {} })).version;
  assert.ok(Number(third) > Number(second));

  await alice.api.fails('POST', VERSION, { auth_data: {} }, 400, 'M_MISSING_PARAM');
  await alice.api.fails('POST', VERSION, { algorithm: ALGORITHM }, 400, 'M_MISSING_PARAM');
  await alice.api.fails('POST', VERSION, { algorithm: ALGORITHM, auth_data: 'x' }, 400, 'M_BAD_JSON');
});

test('room keys at every scope, with etag and count; only a better key replaces a stored one', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const { version } = await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: {} });
  const q = `?version=${version}`;
  const session = (id: string) => `${KEYS}/${enc(ROOM)}/${enc(id)}${q}`;

  const put1 = await alice.api.ok<{ etag: string; count: number }>('PUT', session('s1'), keyData(5, 1, false, 'first'));
  assert.equal(put1.count, 1);
  const put2 = await alice.api.ok<{ etag: string; count: number }>('PUT', `${KEYS}/${enc(ROOM)}${q}`, { sessions: { s2: keyData(0, 0, true, 'two') } });
  assert.equal(put2.count, 2);
  assert.notEqual(put2.etag, put1.etag);
  const put3 = await alice.api.ok<{ etag: string; count: number }>('PUT', `${KEYS}${q}`, { rooms: { '!other:hs.test': { sessions: { s3: keyData(0, 0, false, 'three') } } } });
  assert.equal(put3.count, 3);
  const info = await alice.api.ok<VersionInfo>('GET', VERSION);
  assert.deepEqual([info.count, info.etag], [3, put3.etag]);

  // Better: verified beats unverified; then lower first_message_index; then lower forwarded_count.
  const replaceWith = async (data: JsonObject, expected: string) => {
    await alice.api.ok('PUT', session('s1'), data);
    assert.equal(((await alice.api.ok<JsonObject>('GET', session('s1'))).session_data as JsonObject).ciphertext, expected);
  };
  await replaceWith(keyData(9, 0, false, 'worse index'), 'first');
  await replaceWith(keyData(5, 2, false, 'more forwarded'), 'first');
  await replaceWith(keyData(5, 1, false, 'tie'), 'first');
  await replaceWith(keyData(5, 0, false, 'less forwarded'), 'less forwarded');
  await replaceWith(keyData(2, 9, false, 'lower index'), 'lower index');
  await replaceWith(keyData(50, 50, true, 'verified'), 'verified');
  await replaceWith(keyData(0, 0, false, 'unverified'), 'verified');
  // A write that keeps everything as it was leaves the etag alone.
  const unchanged = (await alice.api.ok<VersionInfo>('GET', VERSION)).etag;
  await alice.api.ok('PUT', session('s1'), keyData(99, 99, false, 'never'));
  assert.equal((await alice.api.ok<VersionInfo>('GET', VERSION)).etag, unchanged);

  const all = await alice.api.ok<{ rooms: Record<string, { sessions: Record<string, JsonObject> }> }>('GET', `${KEYS}${q}`);
  assert.deepEqual(Object.keys(all.rooms).sort(), ['!other:hs.test', ROOM].sort());
  assert.deepEqual(Object.keys(all.rooms[ROOM]!.sessions).sort(), ['s1', 's2']);
  const room = await alice.api.ok<{ sessions: Record<string, JsonObject> }>('GET', `${KEYS}/${enc('!empty:hs.test')}${q}`);
  assert.deepEqual(room, { sessions: {} });
  await alice.api.fails('GET', session('nope'), undefined, 404, 'M_NOT_FOUND');

  const del1 = await alice.api.ok<{ etag: string; count: number }>('DELETE', session('s1'));
  assert.equal(del1.count, 2);
  const del2 = await alice.api.ok<{ etag: string; count: number }>('DELETE', `${KEYS}/${enc(ROOM)}${q}`);
  assert.equal(del2.count, 1);
  const del3 = await alice.api.ok<{ etag: string; count: number }>('DELETE', `${KEYS}${q}`);
  assert.equal(del3.count, 0);
  assert.notEqual(del3.etag, del2.etag);
});

test('writes to a version that is not the current one are M_WRONG_ROOM_KEYS_VERSION; reads of unknown versions 404', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const data = keyData(0, 0, false, 'x');
  await alice.api.fails('PUT', `${KEYS}/${enc(ROOM)}/s?version=1`, data, 404, 'M_NOT_FOUND');
  const old = (await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: {} })).version;
  await alice.api.ok('PUT', `${KEYS}/${enc(ROOM)}/s?version=${old}`, data);
  const current = (await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: {} })).version;

  for (const [path, body] of [
    [`${KEYS}/${enc(ROOM)}/s?version=${old}`, data],
    [`${KEYS}/${enc(ROOM)}?version=${old}`, { sessions: { s: data } }],
    [`${KEYS}?version=${old}`, { rooms: {} }],
    [`${KEYS}?version=777`, { rooms: {} }],
  ] as const) {
    const res = await alice.api.fails('PUT', path, body, 403, 'M_WRONG_ROOM_KEYS_VERSION');
    assert.equal((res.body as { current_version: string }).current_version, current);
  }
  // The older backup can still be read.
  assert.equal(((await alice.api.ok<JsonObject>('GET', `${KEYS}/${enc(ROOM)}/s?version=${old}`)).session_data as JsonObject).ciphertext, 'x');
  await alice.api.fails('GET', `${KEYS}?version=777`, undefined, 404, 'M_NOT_FOUND');
  await alice.api.fails('DELETE', `${KEYS}?version=777`, undefined, 404, 'M_NOT_FOUND');
  await alice.api.fails('GET', KEYS, undefined, 400, 'M_MISSING_PARAM');
  await alice.api.fails('PUT', KEYS, { rooms: {} }, 400, 'M_MISSING_PARAM');
});

test('malformed room keys are refused and nothing of the request is stored', async (t) => {
  const { alice } = await twoE2eeUsers(t);
  const { version } = await alice.api.ok<{ version: string }>('POST', VERSION, { algorithm: ALGORITHM, auth_data: {} });
  const q = `?version=${version}`;
  const good = keyData(0, 0, false, 'ok');
  for (const [body, errcode] of [
    [{}, 'M_MISSING_PARAM'],
    [{ rooms: [] }, 'M_BAD_JSON'],
    [{ rooms: { 'not-a-room': { sessions: {} } } }, 'M_INVALID_PARAM'],
    [{ rooms: { [ROOM]: {} } }, 'M_MISSING_PARAM'],
    [{ rooms: { [ROOM]: { sessions: { a: good, b: { ...good, first_message_index: -1 } } } } }, 'M_BAD_JSON'],
    [{ rooms: { [ROOM]: { sessions: { a: { ...good, is_verified: 'yes' } } } } }, 'M_BAD_JSON'],
    [{ rooms: { [ROOM]: { sessions: { a: { ...good, session_data: 'x' } } } } }, 'M_BAD_JSON'],
    [{ rooms: { [ROOM]: { sessions: { a: { first_message_index: 0, forwarded_count: 0, is_verified: false } } } } }, 'M_MISSING_PARAM'],
  ] as const) {
    const res = await alice.api.call('PUT', `${KEYS}${q}`, body);
    assert.deepEqual([res.status, (res.body as { errcode: string }).errcode], [400, errcode], JSON.stringify(body));
  }
  assert.equal((await alice.api.ok<VersionInfo>('GET', VERSION)).count, 0);
  await alice.api.fails('PUT', `${KEYS}/${enc('bad room')}/s${q}`, good, 400, 'M_INVALID_PARAM');
});
