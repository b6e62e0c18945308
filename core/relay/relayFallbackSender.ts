/**
 * Sending to a destination that cannot be reached, through the relay it names (`federation.peer_relays`:
 * destination -> relay server name): the transaction is deposited in the destination's mailbox with Dendrite's
 * `PUT /_matrix/federation/v1/send_relay/{txnId}/{userId}`, signed by us and addressed to the relay, with the
 * same transaction ID, so the destination de-duplicates it against a direct delivery. The relay's name is
 * resolved like any server's (federation.resolve, or discovery; our own relay resolves to `relay.url`).
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import type { FederationHttpClient } from '../federation/federationHttpClient.ts';
import type { FallbackSender } from '../federation/federationSender.ts';

/** The user ID a deposit names (only its server part matters); Dendrite's senders use the same form. */
export function mailboxUserId(serverName: string): string {
  return `@user:${serverName}`;
}

export function relayFallbackSender(client: FederationHttpClient, peerRelays: Readonly<Record<string, string>>): FallbackSender {
  return async (destination: string, txnId: string, body: JsonObject): Promise<boolean> => {
    const relay = peerRelays[destination];
    if (relay === undefined) return false;
    await client.request(relay, {
      method: 'PUT',
      path: `/_matrix/federation/v1/send_relay/${encodeURIComponent(txnId)}/${encodeURIComponent(mailboxUserId(destination))}`,
      body,
    });
    return true;
  };
}
