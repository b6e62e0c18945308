/**
 * The `main` and `state` data stores of one instance, composed over one SQLite connection and one cache
 * registry. Read stores exist everywhere; `persistEvents` (PersistEventsStore) and the state-group writer exist
 * only on the events writer (SEED-BEHAVIOURS.md §2).
 */
import type { Database } from '../engine/database.ts';
import { CacheRegistry } from '../cache/cacheRegistry.ts';
import { Streams } from '../streams.ts';
import { EventsReadStore } from './main/eventsReadStore.ts';
import { RoomStateReadStore } from './main/roomStateReadStore.ts';
import { RoomMembersReadStore } from './main/roomMembersReadStore.ts';
import { PersistEventsStore } from './main/persistEventsStore.ts';
import { UsersStore } from './main/usersStore.ts';
import { DevicesStore } from './main/devicesStore.ts';
import { AccessTokensStore } from './main/accessTokensStore.ts';
import { RoomMembershipsWriteStore } from './main/roomMembershipsWriteStore.ts';
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
  readonly users: UsersStore;
  readonly devices: DevicesStore;
  readonly accessTokens: AccessTokensStore;
  readonly events: EventsReadStore;
  readonly roomState: RoomStateReadStore;
  readonly members: RoomMembersReadStore;
  readonly membershipsWriter: RoomMembershipsWriteStore;
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
    this.users = new UsersStore(this.db);
    this.devices = new DevicesStore(this.db);
    this.accessTokens = new AccessTokensStore(this.db, this.caches);
    this.events = new EventsReadStore(this.db, this.caches);
    this.roomState = new RoomStateReadStore(this.db, this.caches);
    this.stateGroups = new StateGroupsReadStore(this.db, this.caches);
    this.members = new RoomMembersReadStore(this.db, this.caches, this.serverName, this.events, this.stateGroups);
    this.membershipsWriter = new RoomMembershipsWriteStore(this.db);
    this.persistEvents = isEventsWriter(this.identity) ? new PersistEventsStore(this.db, this.identity) : null;
    // State groups are written where event contexts are computed; SQLite serialises writers across processes.
    this.stateGroupsWriter = new StateGroupsWriteStore(this.db, this.stateGroups);
  }
}
