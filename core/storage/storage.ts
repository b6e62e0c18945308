/**
 * The storage tiers of one instance, wired together (DESIGN.md "Storage tiers"): data stores over the database,
 * the state controller, the cache-invalidation stream, and, on the events writer only, the events persistence
 * controller.
 */
import type { Database } from './engine/database.ts';
import { DataStores } from './databases/mainDataStore.ts';
import { isEventsWriter, type InstanceIdentity } from './databases/main/eventsWriterGuard.ts';
import { StateController } from './controllers/stateController.ts';
import { CacheInvalidationStream } from './controllers/cacheInvalidationStream.ts';
import { EventsPersistenceController } from './controllers/eventsPersistenceController.ts';
import type { StateResolver } from '../state/stateResolver.ts';
import type { CacheRegistry } from './cache/cacheRegistry.ts';

export interface StorageOptions {
  readonly db: Database;
  readonly serverName: string;
  readonly identity: InstanceIdentity;
  readonly stateResolver: StateResolver;
  readonly caches?: CacheRegistry;
}

export class Storage {
  readonly stores: DataStores;
  readonly stateController: StateController;
  readonly invalidations: CacheInvalidationStream;
  /** Null on instances other than the events writer. */
  readonly persistence: EventsPersistenceController | null;

  constructor(options: StorageOptions) {
    this.stores = new DataStores({
      db: options.db,
      serverName: options.serverName,
      identity: options.identity,
      ...(options.caches ? { caches: options.caches } : {}),
    });
    this.stateController = new StateController(this.stores, options.stateResolver);
    this.invalidations = new CacheInvalidationStream(options.db, this.stores.streams.caches, this.stores.caches, options.identity.instanceName);
    this.persistence = isEventsWriter(options.identity)
      ? new EventsPersistenceController(this.stores, this.stateController, options.stateResolver, this.invalidations)
      : null;
  }
}
