/**
 * Where the health page gets the relay's status. Without a running relay client, the configuration is all there
 * is: "not configured", or configured but not running. The relay client (core/relay/relayClient.ts) implements
 * `RelayStatusSource` and is plugged in with `AdminApi.setRelayStatusSource` when the server starts.
 */
import type { RelayConfig } from '../../config/homeserverConfig.ts';
import type { RelayStatus } from './adminApiTypes.ts';

export interface RelayStatusSource {
  relayStatus(): RelayStatus;
}

export function configuredRelayStatus(relay: RelayConfig | null): RelayStatusSource {
  const status: RelayStatus = relay
    ? {
        configured: true,
        url: relay.url,
        server_name: relay.server_name,
        connection: 'not_running',
        mailbox_pending: null,
        mailbox_collected: null,
        last_connected_ts: null,
        last_pull_ts: null,
        last_error: null,
        summary: 'configured; the relay client is not running',
      }
    : {
        configured: false,
        url: null,
        server_name: null,
        connection: 'not_configured',
        mailbox_pending: null,
        mailbox_collected: null,
        last_connected_ts: null,
        last_pull_ts: null,
        last_error: null,
        summary: 'not configured',
      };
  return { relayStatus: () => status };
}
