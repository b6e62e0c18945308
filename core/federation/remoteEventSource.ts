/**
 * The federation requests the event pipeline makes to fill gaps: missing prev events, single events, the state
 * before an event, and auth chains. An interface so the pipeline can be tested against a real second server or
 * a scripted one.
 */
import type { FederationHttpClient } from './federationHttpClient.ts';

export interface RemoteEventSource {
  getMissingEvents(destination: string, roomId: string, earliest: readonly string[], latest: readonly string[], limit: number, minDepth: number): Promise<unknown[]>;
  getEvent(destination: string, eventId: string): Promise<unknown | null>;
  /** The state before `eventId` (as event IDs) and the auth chain of that state. */
  getStateIds(destination: string, roomId: string, eventId: string): Promise<{ pduIds: string[]; authChainIds: string[] }>;
  getEventAuth(destination: string, roomId: string, eventId: string): Promise<unknown[]>;
}

const enc = encodeURIComponent;

export class HttpRemoteEventSource implements RemoteEventSource {
  constructor(private readonly client: FederationHttpClient) {}

  async getMissingEvents(destination: string, roomId: string, earliest: readonly string[], latest: readonly string[], limit: number, minDepth: number): Promise<unknown[]> {
    const body = await this.client.request<{ events?: unknown }>(destination, {
      method: 'POST',
      path: `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`,
      body: { earliest_events: [...earliest], latest_events: [...latest], limit, min_depth: minDepth },
    });
    return Array.isArray(body?.events) ? body.events : [];
  }

  async getEvent(destination: string, eventId: string): Promise<unknown | null> {
    const body = await this.client.request<{ pdus?: unknown }>(destination, { method: 'GET', path: `/_matrix/federation/v1/event/${enc(eventId)}` });
    return Array.isArray(body?.pdus) && body.pdus.length > 0 ? body.pdus[0] : null;
  }

  async getStateIds(destination: string, roomId: string, eventId: string): Promise<{ pduIds: string[]; authChainIds: string[] }> {
    const body = await this.client.request<{ pdu_ids?: unknown; auth_chain_ids?: unknown }>(destination, {
      method: 'GET',
      path: `/_matrix/federation/v1/state_ids/${enc(roomId)}`,
      query: { event_id: eventId },
    });
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { pduIds: strings(body?.pdu_ids), authChainIds: strings(body?.auth_chain_ids) };
  }

  async getEventAuth(destination: string, roomId: string, eventId: string): Promise<unknown[]> {
    const body = await this.client.request<{ auth_chain?: unknown }>(destination, { method: 'GET', path: `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(eventId)}` });
    return Array.isArray(body?.auth_chain) ? body.auth_chain : [];
  }
}
