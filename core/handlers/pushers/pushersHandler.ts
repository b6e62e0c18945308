/**
 * `/pushers` and `/pushers/set`: the push gateways a client registered, stored and listed, removed with
 * `kind: null`. Notifications go to a pusher's gateway only when its host is allowed (`push.gateway_hosts`,
 * pushGatewaySender.ts); otherwise the record is kept so clients see what they set.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { PushersStore, PusherRecord } from '../../storage/databases/main/pushersStore.ts';
import { MatrixError } from '../matrixError.ts';
import type { Requester } from '../requester.ts';

const MAX_FIELD_LENGTH = 512;

export interface ServedPusher {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: JsonObject;
}

export class PushersHandler {
  constructor(
    private readonly store: PushersStore,
    private readonly now: () => number = Date.now,
  ) {}

  list(requester: Requester): { pushers: ServedPusher[] } {
    return {
      pushers: this.store.pushersOf(requester.userId).map((p) => ({
        pushkey: p.pushkey,
        kind: p.kind,
        app_id: p.appId,
        app_display_name: p.appDisplayName,
        device_display_name: p.deviceDisplayName,
        ...(p.profileTag === null ? {} : { profile_tag: p.profileTag }),
        lang: p.lang,
        data: p.data,
      })),
    };
  }

  set(requester: Requester, body: JsonObject): void {
    const appId = requiredString(body, 'app_id');
    const pushkey = requiredString(body, 'pushkey');
    if (!('kind' in body)) throw MatrixError.missingParam('Missing kind');
    if (body.kind === null) {
      this.store.delete(requester.userId, appId, pushkey);
      return;
    }
    const kind = requiredString(body, 'kind');
    if (kind !== 'http' && kind !== 'email') throw MatrixError.invalidParam('kind must be "http", "email" or null');
    const data = body.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw MatrixError.missingParam('Missing data');
    if (kind === 'http') {
      const url = data.url;
      if (typeof url !== 'string') throw MatrixError.missingParam('data.url is required for http pushers');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw MatrixError.invalidParam('data.url must be a URL');
      }
      if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.pathname !== '/_matrix/push/v1/notify') {
        throw MatrixError.invalidParam('data.url must be an http(s) URL with the path /_matrix/push/v1/notify');
      }
    }
    if (data.format !== undefined && data.format !== 'event_id_only') throw MatrixError.invalidParam('data.format may only be "event_id_only"');
    const append = body.append ?? false;
    if (typeof append !== 'boolean') throw MatrixError.badJson('append must be a boolean');
    const profileTag = body.profile_tag;
    if (profileTag !== undefined && profileTag !== null && typeof profileTag !== 'string') throw MatrixError.badJson('profile_tag must be a string');
    const pusher: PusherRecord = {
      appId,
      pushkey,
      kind,
      appDisplayName: requiredString(body, 'app_display_name'),
      deviceDisplayName: requiredString(body, 'device_display_name'),
      profileTag: typeof profileTag === 'string' ? profileTag : null,
      lang: requiredString(body, 'lang'),
      data,
    };
    this.store.upsert(requester.userId, requester.deviceId, pusher, append, this.now());
  }
}

function requiredString(body: JsonObject, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw MatrixError.missingParam(`Missing ${name}`);
  if (typeof value !== 'string') throw MatrixError.badJson(`${name} must be a string`);
  if (value === '' || value.length > MAX_FIELD_LENGTH) throw MatrixError.invalidParam(`${name} must be 1 to ${MAX_FIELD_LENGTH} characters`);
  return value;
}
