/**
 * `/voip/turnServer`: credentials for the configured TURN server. With a shared secret they are made the way
 * coturn's REST API expects (username `<expiry>:<user ID>`, password the base64 HMAC-SHA1 of the username);
 * otherwise the configured fixed username and password.
 *
 * Without a TURN server the answer is 404 `M_NOT_FOUND`. The spec's 200 schema requires `username`, `password`,
 * `uris` and `ttl`, so Synapse's `{}` is not a valid answer; and a 200 with `uris: []` validates but is worse:
 * matrix-js-sdk takes any `uris` array as a TURN server (`[{ urls: [] }]`), which skips its fallback STUN server
 * and gives WebRTC an ICE server without URLs. An error is what clients already handle: matrix-js-sdk treats any
 * status but 403 as "no TURN for now, ask again later" and calls without relaying; nheko logs it and goes on.
 */
import { createHmac } from 'node:crypto';
import type { VoipConfig } from '../../config/homeserverConfig.ts';
import type { Requester } from '../requester.ts';
import { MatrixError } from '../matrixError.ts';

export interface TurnServerCredentials {
  username: string;
  password: string;
  uris: string[];
  ttl: number;
}

export class TurnServerHandler {
  constructor(
    private readonly config: VoipConfig | null,
    private readonly now: () => number = Date.now,
  ) {}

  credentials(requester: Requester): TurnServerCredentials {
    const config = this.config;
    if (!config) throw MatrixError.notFound('This server has no TURN server configured');
    if (config.turn_shared_secret !== null) {
      const expiry = Math.floor(this.now() / 1000) + config.ttl;
      const username = `${expiry}:${requester.userId}`;
      const password = createHmac('sha1', config.turn_shared_secret).update(username).digest('base64');
      return { username, password, uris: [...config.turn_uris], ttl: config.ttl };
    }
    return { username: config.turn_username ?? '', password: config.turn_password ?? '', uris: [...config.turn_uris], ttl: config.ttl };
  }
}
