/**
 * Where the health page gets the relay's status. Until the relay client (issue 7) runs, the configuration is
 * all there is: "not configured", or configured but not running. The relay client implements
 * `RelayStatusSource` and is plugged in with `AdminApi.setRelayStatusSource`.
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
        last_connected_ts: null,
        last_error: null,
        summary: 'configured; the relay client is not running in this version',
      }
    : {
        configured: false,
        url: null,
        server_name: null,
        connection: 'not_configured',
        mailbox_pending: null,
        last_connected_ts: null,
        last_error: null,
        summary: 'not configured',
      };
  return { relayStatus: () => status };
}
