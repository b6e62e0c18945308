/**
 * A thin client for tests: real HTTP calls to a running homeserver, each response checked against the spec's
 * OpenAPI definition of the operation (whatever its status), so every test validates what it touches.
 */
import assert from 'node:assert/strict';
import { request, type TestResponse } from './httpClient.ts';
import { validateResponse } from './openApi.ts';
import type { LoggedInUser } from './testHomeserver.ts';

const enc = encodeURIComponent;

export class ClientApi {
  private txn = 0;

  constructor(
    readonly baseUrl: string,
    readonly user: LoggedInUser,
  ) {}

  get userId(): string {
    return this.user.userId;
  }

  /** Any call: validated against the spec unless `validate` is false (endpoints the spec does not define). */
  async call(method: string, path: string, body?: unknown, options: { validate?: boolean; noAuth?: boolean } = {}): Promise<TestResponse> {
    const res = await request(this.baseUrl, method, path, {
      ...(body === undefined ? {} : { body }),
      ...(options.noAuth ? {} : { accessToken: this.user.accessToken }),
    });
    if (options.validate !== false) {
      assert.deepEqual(validateResponse('client-server', method, path, res.status, res.body), [], `${method} ${path} -> ${res.status} ${res.text}`);
    }
    return res;
  }

  /** A call that must succeed with 200; returns the body. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
    return res.body as T;
  }

  /** A call that must fail with this status and errcode. */
  async fails(method: string, path: string, body: unknown, status: number, errcode: string): Promise<TestResponse> {
    const res = await this.call(method, path, body);
    assert.equal(res.status, status, `${method} ${path}: expected ${status} ${errcode}, got ${res.status} ${res.text}`);
    assert.equal((res.body as { errcode?: string }).errcode, errcode, `${method} ${path}: ${res.text}`);
    assert.equal(typeof (res.body as { error?: unknown }).error, 'string');
    return res;
  }

  async createRoom(body: Record<string, unknown> = {}): Promise<string> {
    return (await this.ok<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', body)).room_id;
  }

  async send(roomId: string, content: Record<string, unknown>, type = 'm.room.message', txnId = `t${++this.txn}-${Date.now()}`): Promise<string> {
    return (await this.ok<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${enc(txnId)}`, content)).event_id;
  }

  async text(roomId: string, body: string): Promise<string> {
    return this.send(roomId, { msgtype: 'm.text', body });
  }

  async setState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    return (await this.ok<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content)).event_id;
  }

  async join(roomIdOrAlias: string): Promise<string> {
    return (await this.ok<{ room_id: string }>('POST', `/_matrix/client/v3/join/${enc(roomIdOrAlias)}`, {})).room_id;
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId });
  }

  async leave(roomId: string): Promise<void> {
    await this.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
  }

  async messages(roomId: string, query: Record<string, string | number>): Promise<{ start: string; end?: string; chunk: { event_id: string; type: string; content: Record<string, unknown>; sender: string }[]; state?: unknown[] }> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?${qs}`);
  }
}

export { enc as encodePathPart };
