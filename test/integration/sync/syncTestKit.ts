/**
 * Helpers for /sync tests: a real homeserver, logged-in users, rooms built through the event creation handler
 * (create, creator's join, power levels, join rules, as test/support/storageFixture.ts does), and requests whose
 * responses are checked against the spec's OpenAPI definitions (error bodies against the error schema).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';
import { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver } from '../../support/testHomeserver.ts';
import { request, type TestResponse } from '../../support/httpClient.ts';
import { validateResponse } from '../../support/openApi.ts';

export { createLoggedInUser, startTestHomeserver, type LoggedInUser, type RunningHomeserver };

export const CLIENT = '/_matrix/client/v3';

let roomCounter = 0;

/** Validates a response against the operation it answers; error responses the operation does not list are checked as Matrix errors. */
export function assertSpec(method: string, path: string, res: TestResponse): void {
  const problems = validateResponse('client-server', method, path, res.status, res.body);
  if (res.status >= 400 && problems.length === 1 && problems[0]!.includes(`defines no ${res.status} response`)) {
    assertMatrixError(res);
    return;
  }
  assert.deepEqual(problems, [], `${method} ${path} ${res.status} ${res.text}`);
}

export function assertMatrixError(res: TestResponse): void {
  const body = res.body as { errcode?: unknown; error?: unknown } | undefined;
  assert.equal(typeof body?.errcode, 'string', `not a Matrix error: ${res.text}`);
  assert.equal(typeof body?.error, 'string', `not a Matrix error: ${res.text}`);
}

export function errcodeOf(res: TestResponse): string | undefined {
  return (res.body as { errcode?: string } | undefined)?.errcode;
}

/** Sends a request as `user` and validates the response against the spec. */
export async function call(
  hs: RunningHomeserver,
  user: LoggedInUser | null,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string } = {},
): Promise<TestResponse> {
  const res = await request(hs.baseUrl, method, CLIENT + path, { ...options, ...(user ? { accessToken: user.accessToken } : {}) });
  assertSpec(method, CLIENT + path.split('?')[0]!, res);
  return res;
}

/** Asserts an error status and errcode (and that the body is a Matrix error). */
export function assertError(res: TestResponse, status: number, errcode: string): void {
  assert.deepEqual([res.status, errcodeOf(res)], [status, errcode], res.text);
  assertMatrixError(res);
}

export interface SyncBody {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoom>;
    invite: Record<string, { invite_state: { events: JsonObject[] } }>;
    leave: Record<string, { state: { events: JsonObject[] }; timeline: Timeline }>;
    knock: Record<string, unknown>;
  };
  account_data: { events: { type: string; content: JsonObject }[] };
  presence: { events: { type: string; sender: string; content: JsonObject }[] };
  to_device?: { events: JsonObject[] };
}

export interface Timeline {
  events: EventJson[];
  limited: boolean;
  prev_batch: string;
}

export interface EventJson {
  type: string;
  event_id: string;
  sender: string;
  state_key?: string;
  content: JsonObject;
  unsigned?: JsonObject;
  room_id?: string;
}

export interface JoinedRoom {
  summary?: { 'm.heroes'?: string[]; 'm.joined_member_count'?: number; 'm.invited_member_count'?: number };
  state: { events: EventJson[] };
  timeline: Timeline;
  ephemeral: { events: { type: string; content: JsonObject }[] };
  account_data: { events: { type: string; content: JsonObject }[] };
  unread_notifications: { notification_count: number; highlight_count: number };
}

export interface SyncParams {
  since?: string;
  timeout?: number;
  filter?: string | JsonObject;
  full_state?: boolean;
  set_presence?: string;
}

export function syncPath(params: SyncParams = {}): string {
  const query = new URLSearchParams();
  if (params.since !== undefined) query.set('since', params.since);
  if (params.timeout !== undefined) query.set('timeout', String(params.timeout));
  if (params.filter !== undefined) query.set('filter', typeof params.filter === 'string' ? params.filter : JSON.stringify(params.filter));
  if (params.full_state !== undefined) query.set('full_state', String(params.full_state));
  if (params.set_presence !== undefined) query.set('set_presence', params.set_presence);
  const text = query.toString();
  return `/sync${text ? `?${text}` : ''}`;
}

/**
 * A successful /sync whose room events are *not* validated: `event_fields` and `event_format: federation` ask
 * for events that are not client events by design.
 */
export async function syncUnvalidated(hs: RunningHomeserver, user: LoggedInUser, params: SyncParams = {}): Promise<SyncBody> {
  const res = await request(hs.baseUrl, 'GET', CLIENT + syncPath(params), { accessToken: user.accessToken });
  assert.equal(res.status, 200, res.text);
  return res.body as SyncBody;
}

/** A successful, spec-valid /sync. */
export async function sync(hs: RunningHomeserver, user: LoggedInUser, params: SyncParams = {}): Promise<SyncBody> {
  const res = await call(hs, user, 'GET', syncPath(params));
  assert.equal(res.status, 200, res.text);
  return res.body as SyncBody;
}

/** Creates a room the way createRoom does (create, join, power levels, join rules), as `creator`. */
export async function createRoom(
  hs: RunningHomeserver,
  creator: string,
  options: { joinRule?: string; name?: string; historyVisibility?: string; extraPowerUsers?: Record<string, number> } = {},
): Promise<string> {
  const roomId = `!sync${++roomCounter}x${Date.now()}:${hs.homeserver.serverName}`;
  const send = hs.homeserver.eventCreation;
  await send.send({ roomId, sender: creator, type: 'm.room.create', stateKey: '', content: { room_version: '11' }, roomVersion: '11' });
  await state(hs, roomId, creator, 'm.room.member', creator, { membership: 'join' });
  await state(hs, roomId, creator, 'm.room.power_levels', '', {
    users: { [creator]: 100, ...(options.extraPowerUsers ?? {}) },
    users_default: 0,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    invite: 0,
    redact: 50,
  });
  await state(hs, roomId, creator, 'm.room.join_rules', '', { join_rule: options.joinRule ?? 'public' });
  if (options.historyVisibility) await state(hs, roomId, creator, 'm.room.history_visibility', '', { history_visibility: options.historyVisibility });
  if (options.name) await state(hs, roomId, creator, 'm.room.name', '', { name: options.name });
  return roomId;
}

export async function state(hs: RunningHomeserver, roomId: string, sender: string, type: string, stateKey: string, content: JsonObject): Promise<string> {
  const sent = await hs.homeserver.eventCreation.send({ roomId, sender, type, stateKey, content });
  return sent.event.eventId;
}

export async function join(hs: RunningHomeserver, roomId: string, userId: string, content: JsonObject = {}): Promise<string> {
  return state(hs, roomId, userId, 'm.room.member', userId, { membership: 'join', ...content });
}

export async function leave(hs: RunningHomeserver, roomId: string, userId: string): Promise<string> {
  return state(hs, roomId, userId, 'm.room.member', userId, { membership: 'leave' });
}

export async function invite(hs: RunningHomeserver, roomId: string, sender: string, userId: string): Promise<string> {
  return state(hs, roomId, sender, 'm.room.member', userId, { membership: 'invite' });
}

export async function message(hs: RunningHomeserver, roomId: string, sender: string, body: string, txn?: { deviceId: string; txnId: string }): Promise<string> {
  const sent = await hs.homeserver.eventCreation.send({
    roomId,
    sender,
    type: 'm.room.message',
    content: { msgtype: 'm.text', body },
    ...(txn ? { txn } : {}),
  });
  return sent.event.eventId;
}

/** Event IDs of a list of events. */
export function ids(events: readonly { event_id?: string }[]): string[] {
  return events.map((e) => e.event_id!);
}

/** Bodies of the messages in a timeline. */
export function bodies(events: readonly EventJson[]): string[] {
  return events.filter((e) => e.type === 'm.room.message').map((e) => String(e.content.body));
}

export function stateKeysOf(events: readonly EventJson[], type: string): string[] {
  return events.filter((e) => e.type === type).map((e) => e.state_key!).sort();
}

/** Starts a fresh server with two logged-in users. */
export async function twoUsers(t: TestContext): Promise<{ hs: RunningHomeserver; alice: LoggedInUser; bob: LoggedInUser }> {
  const hs = await startTestHomeserver(t);
  const alice = await createLoggedInUser(hs, 'alice');
  const bob = await createLoggedInUser(hs, 'bob');
  return { hs, alice, bob };
}
