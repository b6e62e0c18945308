/**
 * The desktop admin API's requests and responses (`/_desktop/api/...`), shared with the renderer as type-only
 * imports. This file holds types only and imports nothing, so the renderer's browser build never reaches into
 * core code. Field names are snake_case like the rest of Matrix.
 */

/** Every admin API path starts with this; the renderer's own copy is checked against it by the compiler. */
export type AdminApiPrefix = '/_desktop/api';

/** Plain JSON, as event contents are. */
export type AdminJsonValue = string | number | boolean | null | AdminJsonValue[] | { [key: string]: AdminJsonValue };
export type AdminJsonObject = { [key: string]: AdminJsonValue };

/** Every error the admin API returns: a Matrix error, with per-field messages for settings. */
export interface AdminErrorBody {
  readonly errcode: string;
  readonly error: string;
  /** Settings name → what is wrong with the value given (PUT /settings). */
  readonly field_errors?: Readonly<Record<string, string>>;
}

// ---- server overview / health ------------------------------------------------------------------------------

export interface CacheHitRatio {
  readonly name: string;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); null before the first lookup. */
  readonly hit_ratio: number | null;
  readonly size: number;
  readonly max_entries: number;
}

export interface DestinationQueue {
  readonly destination: string;
  readonly pending: number;
  readonly retry_interval_ms: number;
  /** When sending to it started failing (ms since the epoch), or null while it is fine. */
  readonly failing_since: number | null;
}

export interface FederationStatus {
  /** False on instances without federation (not the events writer). */
  readonly enabled: boolean;
  readonly paused: boolean;
  /** Whether pausing is saved (to the config file) and so survives a restart; false for a server started without one. */
  readonly pause_saved: boolean;
  /** The public federation listener's address, or null (federation only through the relay). */
  readonly listener: string | null;
  readonly destinations: readonly DestinationQueue[];
}

export type RelayConnectionState = 'not_configured' | 'connected' | 'connecting' | 'disconnected' | 'not_running';

/**
 * The relay connection and mailbox. Until the relay client runs, a configured relay reports `not_running`; the
 * relay client fills in the rest through core/http/admin/relayStatusSource.ts.
 */
export interface RelayStatus {
  readonly configured: boolean;
  readonly url: string | null;
  readonly server_name: string | null;
  readonly connection: RelayConnectionState;
  /** Transactions waiting in our mailbox at the relay, when known. */
  readonly mailbox_pending: number | null;
  /** Transactions collected from our mailbox since the server started; null while the relay client does not run. */
  readonly mailbox_collected: number | null;
  readonly last_connected_ts: number | null;
  /** When our mailbox at the relay was last emptied. */
  readonly last_pull_ts: number | null;
  readonly last_error: string | null;
  /** A sentence for the user, e.g. "not configured" or "connected". */
  readonly summary: string;
}

export interface LogProblem {
  readonly ts: number;
  readonly level: 'warn' | 'error';
  readonly scope: string;
  readonly message: string;
}

export interface EventRateSample {
  /** End of the one-second interval (ms since the epoch). */
  readonly ts: number;
  readonly events_per_second: number;
}

export interface ServerCounts {
  readonly events: number;
  readonly rooms: number;
  readonly users: number;
}

export interface ServerOverview {
  readonly server_name: string;
  readonly version: string;
  /** Where Matrix clients reach this server. */
  readonly homeserver_url: string;
  readonly uptime_ms: number;
  /** The database file plus its write-ahead log, in bytes. */
  readonly database: { readonly path: string; readonly size_bytes: number };
  readonly counts: ServerCounts;
  readonly stream_positions: { readonly events: number; readonly device_lists: number };
  readonly caches: readonly CacheHitRatio[];
  readonly cache_totals: { readonly hits: number; readonly misses: number; readonly hit_ratio: number | null };
  readonly federation: FederationStatus;
  readonly relay: RelayStatus;
  /** The last warnings and errors of the server's log, newest last. */
  readonly recent_problems: readonly LogProblem[];
  /** Events persisted per second over the last minute, oldest first. */
  readonly event_rate: readonly EventRateSample[];
}

export interface FederationPauseRequest {
  readonly paused: boolean;
}

// ---- rooms ---------------------------------------------------------------------------------------------------

export interface RoomSummary {
  readonly room_id: string;
  /** m.room.name, or null. */
  readonly name: string | null;
  /** What to show: the name, else the canonical alias, else the room ID. */
  readonly display_name: string;
  readonly topic: string | null;
  readonly canonical_alias: string | null;
  readonly room_version: string | null;
  readonly joined_members: number;
  readonly invited_members: number;
  readonly encrypted: boolean;
  readonly is_public: boolean;
  /** origin_server_ts of the latest event of the timeline, or null. */
  readonly last_activity_ts: number | null;
}

export interface RoomListResponse {
  readonly rooms: readonly RoomSummary[];
}

export interface AdminRoomEvent {
  readonly event_id: string;
  readonly type: string;
  readonly sender: string;
  readonly origin_server_ts: number;
  readonly state_key?: string;
  readonly content: AdminJsonObject;
}

export interface RoomDetailResponse {
  readonly room: RoomSummary;
  /** The latest events, oldest first. */
  readonly timeline: readonly AdminRoomEvent[];
  /** Current state, sorted by type then state key. */
  readonly state: readonly AdminRoomEvent[];
}

// ---- device lists --------------------------------------------------------------------------------------------

/**
 * - `cross_signed`: the user's self-signing key signed the device keys, and the signature verifies.
 * - `not_cross_signed`: the user has cross-signing keys but this device is not signed by them.
 * - `no_cross_signing`: the user has not set up cross-signing.
 * - `no_keys`: the device has not uploaded identity keys.
 * - `bad_signature`: a signature by the self-signing key is present but does not verify.
 */
export type DeviceVerificationState = 'cross_signed' | 'not_cross_signed' | 'no_cross_signing' | 'no_keys' | 'bad_signature';

export interface LocalDevice {
  readonly device_id: string;
  readonly display_name: string | null;
  readonly last_seen_ts: number | null;
  readonly last_seen_ip: string | null;
  /** Key ID (e.g. `ed25519:DEVICE`) → public key; empty when the device has not uploaded keys. */
  readonly identity_keys: Readonly<Record<string, string>>;
  readonly algorithms: readonly string[];
  readonly verification: DeviceVerificationState;
}

export interface CrossSigningKeys {
  readonly master: string | null;
  readonly self_signing: string | null;
  readonly user_signing: string | null;
}

export interface LocalUserDevices {
  readonly user_id: string;
  readonly admin: boolean;
  readonly cross_signing: CrossSigningKeys;
  readonly devices: readonly LocalDevice[];
}

export interface RemoteDevice {
  readonly device_id: string;
  readonly display_name: string | null;
  readonly identity_keys: Readonly<Record<string, string>>;
}

export interface RemoteUserDevices {
  readonly user_id: string;
  /** The last device-list stream ID this server received for the user, or null. */
  readonly stream_id: string | null;
  readonly devices: readonly RemoteDevice[];
}

export interface DeviceListsResponse {
  /** The device-list stream's current position on this server. */
  readonly stream_position: number;
  readonly local_users: readonly LocalUserDevices[];
  /** Remote users' device lists as this server has cached them (empty until federation fills the cache). */
  readonly remote_users: readonly RemoteUserDevices[];
}

// ---- settings ------------------------------------------------------------------------------------------------

export interface SettingsValues {
  readonly port: number;
  readonly bind_address: string;
  readonly server_name: string;
  readonly relay_url: string | null;
  readonly relay_server_name: string | null;
  /** The relay secret itself is never sent back. */
  readonly relay_secret_set: boolean;
  readonly start_at_login: boolean;
  readonly registration_enabled: boolean;
  readonly registration_token: string | null;
}

export type SettingName = Exclude<keyof SettingsValues, 'relay_secret_set'> | 'relay_secret';

export interface SettingInfo {
  readonly editable: boolean;
  /** A change is saved at once but takes effect only when the server restarts. */
  readonly restart_required: boolean;
  /** Why it cannot be edited, or what to know before changing it. */
  readonly note: string | null;
}

export interface SettingsResponse {
  readonly values: SettingsValues;
  readonly fields: Readonly<Record<SettingName, SettingInfo>>;
  /** The YAML file settings are saved to; null when the server was started without one (then nothing can be saved). */
  readonly config_file: string | null;
  /** Settings saved since the server started that wait for a restart. */
  readonly pending_restart: readonly SettingName[];
}

/** PUT /settings: only the settings to change. `relay_url: null` removes the relay. */
export interface SettingsUpdate {
  readonly port?: number;
  readonly bind_address?: string;
  readonly server_name?: string;
  readonly relay_url?: string | null;
  readonly relay_server_name?: string | null;
  readonly relay_secret?: string | null;
  readonly start_at_login?: boolean;
  readonly registration_enabled?: boolean;
  readonly registration_token?: string | null;
}

export interface SettingsUpdateResponse {
  readonly settings: SettingsResponse;
  /** Settings that changed and are in effect now. */
  readonly applied: readonly SettingName[];
  /** Settings that changed and take effect after a restart. */
  readonly restart_required: readonly SettingName[];
}

// ---- live updates (server-sent events on GET /live) --------------------------------------------------------

export interface HealthTick {
  readonly ts: number;
  readonly uptime_ms: number;
  readonly events_per_second: number;
  readonly counts: ServerCounts;
  readonly stream_positions: { readonly events: number; readonly device_lists: number };
}

/** One server-sent event: its `event:` field is `type`, its `data:` the JSON of the whole object. */
export type LiveUpdate =
  | { readonly type: 'room_events'; readonly position: number; readonly room_ids: readonly string[] }
  | { readonly type: 'device_lists'; readonly position: number; readonly user_ids: readonly string[] }
  | { readonly type: 'health'; readonly tick: HealthTick };

// ---- the endpoints -------------------------------------------------------------------------------------------

/** Method and path (after the prefix) → what goes in and comes out; the renderer's typed client follows this. */
export interface AdminEndpoints {
  'GET /overview': { readonly request: null; readonly response: ServerOverview };
  'PUT /federation/paused': { readonly request: FederationPauseRequest; readonly response: FederationStatus };
  'GET /rooms': { readonly request: null; readonly response: RoomListResponse };
  'GET /rooms/{roomId}': { readonly request: null; readonly response: RoomDetailResponse };
  'GET /devices': { readonly request: null; readonly response: DeviceListsResponse };
  'GET /settings': { readonly request: null; readonly response: SettingsResponse };
  'PUT /settings': { readonly request: SettingsUpdate; readonly response: SettingsUpdateResponse };
}

export type AdminEndpoint = keyof AdminEndpoints;
