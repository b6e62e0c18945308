/**
 * `/voip/turnServer`: credentials for the configured TURN server. With a shared secret they are made the way
 * coturn's REST API expects (username `<expiry>:<user ID>`, password the base64 HMAC-SHA1 of the username);
 * otherwise the configured fixed username and password. Without a TURN server the answer is `{}`.
 */
import { createHmac } from 'node:crypto';
import type { VoipConfig } from '../../config/homeserverConfig.ts';
import type { Requester } from '../requester.ts';

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

  credentials(requester: Requester): TurnServerCredentials | Record<string, never> {
    const config = this.config;
    if (!config) return {};
    if (config.turn_shared_secret !== null) {
      const expiry = Math.floor(this.now() / 1000) + config.ttl;
      const username = `${expiry}:${requester.userId}`;
      const password = createHmac('sha1', config.turn_shared_secret).update(username).digest('base64');
      return { username, password, uris: [...config.turn_uris], ttl: config.ttl };
    }
    return { username: config.turn_username ?? '', password: config.turn_password ?? '', uris: [...config.turn_uris], ttl: config.ttl };
  }
}
