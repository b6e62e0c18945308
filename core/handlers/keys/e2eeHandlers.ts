/**
 * The end-to-end encryption handlers of one instance, composed in one place so that the composition root
 * (Handlers) adds a single member: devices, keys (upload, query, claim, changes, cross-signing, signatures),
 * to-device messages, key backups, and what /sync reads from them (`syncData`, and the two SyncStreamSources).
 */
import type { DataStores } from '../../storage/databases/mainDataStore.ts';
import type { Notifier } from '../../replication/notifier.ts';
import type { Logger } from '../../logging/logger.ts';
import type { AccessTokenHandler } from '../accounts/accessTokenHandler.ts';
import type { UserInteractiveAuth } from '../accounts/userInteractiveAuth.ts';
import { DeviceHandler } from '../devices/deviceHandler.ts';
import { DeviceListPublisher } from '../devices/deviceListPublisher.ts';
import { ToDeviceHandler } from '../toDevice/toDeviceHandler.ts';
import { ToDeviceSyncSource } from '../toDevice/toDeviceSyncSource.ts';
import { KeyBackupHandler } from '../keyBackup/keyBackupHandler.ts';
import { KeyUploadHandler } from './keyUploadHandler.ts';
import { KeyQueryHandler } from './keyQueryHandler.ts';
import { KeyClaimHandler } from './keyClaimHandler.ts';
import { KeyChangesHandler } from './keyChangesHandler.ts';
import { CrossSigningKeysHandler } from './crossSigningKeysHandler.ts';
import { SignatureUploadHandler } from './signatureUploadHandler.ts';
import { E2eeSyncData } from './e2eeSyncData.ts';
import { DeviceListsSyncSource } from './deviceListsSyncSource.ts';
import type { RemoteKeys } from './remoteKeys.ts';

export interface E2eeHandlersOptions {
  readonly stores: DataStores;
  readonly notifier: Notifier;
  readonly tokens: AccessTokenHandler;
  /** User-interactive auth with the password stage (device deletion, replacing cross-signing keys). */
  readonly reauth: UserInteractiveAuth;
  readonly log: Logger;
  /** Remote users' keys, once federation exists. */
  readonly remoteKeys?: RemoteKeys | null;
}

export class E2eeHandlers {
  readonly deviceLists: DeviceListPublisher;
  readonly devices: DeviceHandler;
  readonly keyUpload: KeyUploadHandler;
  readonly keyQuery: KeyQueryHandler;
  readonly keyClaim: KeyClaimHandler;
  readonly keyChanges: KeyChangesHandler;
  readonly crossSigning: CrossSigningKeysHandler;
  readonly signatures: SignatureUploadHandler;
  readonly toDevice: ToDeviceHandler;
  readonly keyBackup: KeyBackupHandler;
  /** What /sync calls for `device_lists`, key counts and `to_device`. */
  readonly syncData: E2eeSyncData;
  /** SyncHandler's `deviceLists` source. */
  readonly deviceListsSyncSource: DeviceListsSyncSource;
  /** SyncHandler's `toDevice` source. */
  readonly toDeviceSyncSource: ToDeviceSyncSource;

  constructor(options: E2eeHandlersOptions) {
    const { stores, notifier, log } = options;
    const remote = options.remoteKeys ?? null;
    this.deviceLists = new DeviceListPublisher(stores, notifier);
    options.tokens.setDeviceListPublisher(this.deviceLists);
    this.devices = new DeviceHandler(stores, options.tokens, options.reauth, this.deviceLists);
    this.keyUpload = new KeyUploadHandler(stores, this.deviceLists);
    this.keyQuery = new KeyQueryHandler(stores, remote, log.child('keys'));
    this.keyClaim = new KeyClaimHandler(stores, remote, log.child('keys'));
    this.syncData = new E2eeSyncData(stores);
    this.keyChanges = new KeyChangesHandler(this.syncData);
    this.crossSigning = new CrossSigningKeysHandler(stores, options.reauth, this.deviceLists);
    this.signatures = new SignatureUploadHandler(stores, this.deviceLists);
    this.toDevice = new ToDeviceHandler(stores, notifier, log.child('to-device'));
    this.keyBackup = new KeyBackupHandler(stores);
    this.deviceListsSyncSource = new DeviceListsSyncSource(this.syncData);
    this.toDeviceSyncSource = new ToDeviceSyncSource(this.syncData);
  }
}
