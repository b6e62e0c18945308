/**
 * Server ACLs (`m.room.server_acl`, client-server API "Server Access Control Lists"; server-server API "Server
 * Access Control Lists (ACLs)"): which servers may take part in a room. Applied to other servers' room-specific
 * requests (403 M_FORBIDDEN), to each PDU of a transaction, and to typing and receipt EDUs. The rules, in order:
 * no ACL event allows; an IP literal is denied when `allow_ip_literals` is false; a `deny` match denies; an
 * `allow` match allows; anything else is denied. Ports are ignored; patterns are globs, matched
 * case-insensitively as Synapse does.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { isIP } from 'node:net';
import { globMatches } from '../handlers/push/globMatcher.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import { stateKey } from '../state/stateMap.ts';

export const SERVER_ACL_EVENT = 'm.room.server_acl';

/** The host of a server name, without its port (`[::1]:8448` → `[::1]`, `a.test:8448` → `a.test`). */
function hostOf(serverName: string): string {
  if (serverName.startsWith('[')) return serverName.slice(0, serverName.indexOf(']') + 1);
  const colon = serverName.lastIndexOf(':');
  return colon === -1 ? serverName : serverName.slice(0, colon);
}

function patterns(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
}

/** Whether `serverName` may take part in a room with this ACL content. */
export function serverAllowedByAcl(serverName: string, content: JsonObject): boolean {
  const host = hostOf(serverName);
  const literal = isIP(host.replace(/^\[|\]$/g, '')) !== 0;
  if (literal && content.allow_ip_literals === false) return false;
  if (patterns(content.deny).some((p) => globMatches(p, host, 'whole'))) return false;
  return patterns(content.allow).some((p) => globMatches(p, host, 'whole'));
}

export class ServerAclChecker {
  constructor(private readonly stores: DataStores) {}

  /** Whether `serverName` may take part in `roomId` per the room's current ACL (allowed when there is none). */
  async isAllowed(serverName: string, roomId: string): Promise<boolean> {
    if (serverName === this.stores.serverName) return true;
    const aclEventId = (await this.stores.roomState.getCurrentStateIds(roomId)).get(stateKey(SERVER_ACL_EVENT, ''));
    if (aclEventId === undefined) return true;
    const acl = await this.stores.events.getEvent(aclEventId);
    return acl === null || serverAllowedByAcl(serverName, acl.event.content);
  }

  /** 403 M_FORBIDDEN when the room's ACL denies `serverName`. */
  async assertAllowed(serverName: string, roomId: string): Promise<void> {
    if (!(await this.isAllowed(serverName, roomId))) throw MatrixError.forbidden(`Server ${serverName} is denied access to ${roomId} by its server ACL`);
  }
}
