/**
 * The `main` and `state` data stores of one instance, composed over one SQLite connection and one cache
 * registry. Read stores exist everywhere; `persistEvents` (PersistEventsStore) and the state-group writer exist
 * only on the events writer (SEED-BEHAVIOURS.md §2).
 */
import type { Database } from '../engine/database.ts';
import { CacheRegistry } from '../cache/cacheRegistry.ts';
import { Streams } from '../streams.ts';
import { GroupCommitter } from '../engine/groupCommit.ts';
import { EventsReadStore } from './main/eventsReadStore.ts';
import { RoomStateReadStore } from './main/roomStateReadStore.ts';
import { RoomMembersReadStore } from './main/roomMembersReadStore.ts';
import { PersistEventsStore } from './main/persistEventsStore.ts';
import { UsersStore } from './main/usersStore.ts';
import { DevicesStore } from './main/devicesStore.ts';
import { AccessTokensStore } from './main/accessTokensStore.ts';
import { RefreshTokensStore } from './main/refreshTokensStore.ts';
import { OpenIdTokensStore } from './main/openIdTokensStore.ts';
import { RoomMembershipsWriteStore } from './main/roomMembershipsWriteStore.ts';
import { RoomsStore } from './main/roomsStore.ts';
import { DeviceListsStore } from './main/deviceListsStore.ts';
import { DeviceKeysStore } from './main/deviceKeysStore.ts';
import { OneTimeKeysStore } from './main/oneTimeKeysStore.ts';
import { CrossSigningKeysStore } from './main/crossSigningKeysStore.ts';
import { DeviceInboxStore } from './main/deviceInboxStore.ts';
import { KeyBackupStore } from './main/keyBackupStore.ts';
import { DeviceListAudienceReadStore } from './main/deviceListAudienceReadStore.ts';
import { ProfilesStore } from './main/profilesStore.ts';
import { RoomTimelineReadStore } from './main/roomTimelineReadStore.ts';
import { RoomAliasesStore } from './main/roomAliasesStore.ts';
import { PushRulesStore } from './main/pushRulesStore.ts';
import { EventPushActionsStore } from './main/eventPushActionsStore.ts';
import { FiltersStore } from './main/filtersStore.ts';
import { AccountDataStore } from './main/accountDataStore.ts';
import { ReceiptsStore } from './main/receiptsStore.ts';
import { PresenceStore } from './main/presenceStore.ts';
import { RoomSummaryReadStore } from './main/roomSummaryReadStore.ts';
import { SyncEventsReadStore } from './main/syncEventsReadStore.ts';
import { MediaStore } from './main/mediaStore.ts';
import { EventRelationsReadStore } from './main/eventRelationsReadStore.ts';
import { EventSearchReadStore } from './main/eventSearchReadStore.ts';
import { PushersStore } from './main/pushersStore.ts';
import { ContentReportsStore } from './main/contentReportsStore.ts';
import { UserDirectoryReadStore } from './main/userDirectoryReadStore.ts';
import { AccountDeactivationStore } from './main/accountDeactivationStore.ts';
import { isEventsWriter, type InstanceIdentity } from './main/eventsWriterGuard.ts';
import { StateGroupsReadStore } from './state/stateGroupsReadStore.ts';
import { StateGroupsWriteStore } from './state/stateGroupsWriteStore.ts';

export interface DataStoresOptions {
  readonly db: Database;
  readonly serverName: string;
  readonly identity: InstanceIdentity;
  readonly caches?: CacheRegistry;
}

export class DataStores {
  readonly db: Database;
  readonly serverName: string;
  readonly identity: InstanceIdentity;
  readonly caches: CacheRegistry;
  readonly streams: Streams;
  /** Writes of concurrent event batches share a transaction. */
  readonly groupCommit: GroupCommitter;
  readonly users: UsersStore;
  readonly devices: DevicesStore;
  readonly accessTokens: AccessTokensStore;
  readonly refreshTokens: RefreshTokensStore;
  /** OpenID tokens other services exchange for the user's ID. */
  readonly openIdTokens: OpenIdTokensStore;
  readonly events: EventsReadStore;
  readonly roomState: RoomStateReadStore;
  readonly members: RoomMembersReadStore;
  readonly membershipsWriter: RoomMembershipsWriteStore;
  readonly rooms: RoomsStore;
  readonly deviceLists: DeviceListsStore;
  readonly deviceKeys: DeviceKeysStore;
  readonly oneTimeKeys: OneTimeKeysStore;
  readonly crossSigningKeys: CrossSigningKeysStore;
  /** To-device messages waiting for their device. */
  readonly deviceInbox: DeviceInboxStore;
  readonly keyBackups: KeyBackupStore;
  /** Who hears about whose device-list changes. */
  readonly deviceListAudience: DeviceListAudienceReadStore;
  readonly profiles: ProfilesStore;
  readonly timeline: RoomTimelineReadStore;
  readonly aliases: RoomAliasesStore;
  readonly pushRules: PushRulesStore;
  readonly pushActions: EventPushActionsStore;
  readonly filters: FiltersStore;
  readonly accountData: AccountDataStore;
  readonly receipts: ReceiptsStore;
  readonly presence: PresenceStore;
  readonly roomSummaries: RoomSummaryReadStore;
  readonly syncEvents: SyncEventsReadStore;
  readonly media: MediaStore;
  /** Relations written with events: /relations, /threads, bundled aggregations. */
  readonly relations: EventRelationsReadStore;
  readonly search: EventSearchReadStore;
  readonly pushers: PushersStore;
  readonly contentReports: ContentReportsStore;
  readonly userDirectory: UserDirectoryReadStore;
  readonly accountDeactivation: AccountDeactivationStore;
  readonly stateGroups: StateGroupsReadStore;
  /** Present only on the events writer. */
  readonly persistEvents: PersistEventsStore | null;
  readonly stateGroupsWriter: StateGroupsWriteStore;

  constructor(options: DataStoresOptions) {
    this.db = options.db;
    this.serverName = options.serverName;
    this.identity = options.identity;
    this.caches = options.caches ?? new CacheRegistry();
    this.streams = new Streams(this.db);
    this.groupCommit = new GroupCommitter(this.db);
    this.users = new UsersStore(this.db);
    this.devices = new DevicesStore(this.db);
    this.refreshTokens = new RefreshTokensStore(this.db);
    this.accessTokens = new AccessTokensStore(this.db, this.caches, this.refreshTokens);
    this.openIdTokens = new OpenIdTokensStore(this.db);
    this.events = new EventsReadStore(this.db, this.caches, { eventsWriter: isEventsWriter(this.identity) });
    this.roomState = new RoomStateReadStore(this.db, this.caches);
    this.stateGroups = new StateGroupsReadStore(this.db, this.caches);
    this.members = new RoomMembersReadStore(this.db, this.caches, this.serverName, this.events, this.stateGroups);
    this.membershipsWriter = new RoomMembershipsWriteStore(this.db);
    this.rooms = new RoomsStore(this.db);
    this.deviceLists = new DeviceListsStore(this.db, this.streams.deviceLists);
    this.deviceKeys = new DeviceKeysStore(this.db);
    this.oneTimeKeys = new OneTimeKeysStore(this.db);
    this.crossSigningKeys = new CrossSigningKeysStore(this.db, this.streams.deviceLists);
    this.deviceInbox = new DeviceInboxStore(this.db, this.streams.toDevice);
    this.keyBackups = new KeyBackupStore(this.db);
    this.deviceListAudience = new DeviceListAudienceReadStore(this.db, this.serverName);
    this.profiles = new ProfilesStore(this.db);
    this.timeline = new RoomTimelineReadStore(this.db);
    this.aliases = new RoomAliasesStore(this.db);
    this.pushRules = new PushRulesStore(this.db, this.caches);
    this.pushActions = new EventPushActionsStore(this.db);
    this.filters = new FiltersStore(this.db, this.caches);
    this.accountData = new AccountDataStore(this.db, this.streams.accountData);
    this.receipts = new ReceiptsStore(this.db, this.streams.receipts);
    this.presence = new PresenceStore(this.db, this.streams.presence);
    this.roomSummaries = new RoomSummaryReadStore(this.db, this.caches);
    this.syncEvents = new SyncEventsReadStore(this.db);
    this.media = new MediaStore(this.db);
    this.relations = new EventRelationsReadStore(this.db);
    this.search = new EventSearchReadStore(this.db);
    this.pushers = new PushersStore(this.db);
    this.contentReports = new ContentReportsStore(this.db);
    this.userDirectory = new UserDirectoryReadStore(this.db, this.serverName);
    this.accountDeactivation = new AccountDeactivationStore(this.db);
    this.persistEvents = isEventsWriter(this.identity) ? new PersistEventsStore(this.db, this.identity) : null;
    // State groups are written where event contexts are computed; SQLite serialises writers across processes.
    this.stateGroupsWriter = new StateGroupsWriteStore(this.db, this.stateGroups);
  }
}
