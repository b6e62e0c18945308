/**
 * The servers a relay serves: only these names get a mailbox, a tunnel and federation answered on their
 * behalf; every other name is refused. Secrets are compared in constant time (as digests, so lengths leak
 * nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RelayTenantConfig } from '../config/relayServiceConfig.ts';

export class RelayTenants {
  private readonly secretDigests: ReadonlyMap<string, Buffer>;

  constructor(tenants: readonly RelayTenantConfig[]) {
    this.secretDigests = new Map(tenants.map((t) => [t.server_name, digest(t.secret)]));
  }

  has(serverName: string): boolean {
    return this.secretDigests.has(serverName);
  }

  names(): string[] {
    return [...this.secretDigests.keys()];
  }

  /** Whether `secret` is the tunnel secret of tenant `serverName` (false for names that are not tenants). */
  secretMatches(serverName: string, secret: string): boolean {
    const expected = this.secretDigests.get(serverName);
    return expected !== undefined && timingSafeEqual(expected, digest(secret));
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
