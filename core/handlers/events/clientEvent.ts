/** The client-server format of a room event (definitions/client_event.yaml). */
import type { JsonObject } from '../../crypto/canonicalJson.ts';

export interface ClientEvent {
  readonly type: string;
  readonly content: JsonObject;
  readonly event_id: string;
  readonly sender: string;
  readonly origin_server_ts: number;
  readonly room_id: string;
  readonly state_key?: string;
  /** For redactions: the target, at top level as well as in content (room v11 compatibility both ways). */
  readonly redacts?: string;
  readonly unsigned: ClientUnsigned;
}

export interface ClientUnsigned {
  age?: number;
  transaction_id?: string;
  prev_content?: JsonObject;
  replaces_state?: string;
  redacted_because?: ClientEvent;
  membership?: string;
  [key: string]: unknown;
}

/** The `event_format: federation` variant, for filters that ask for it: the PDU as stored. */
export type FederationFormatEvent = JsonObject;
