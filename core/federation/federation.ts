/**
 * Federation of one homeserver, composed: server name resolution, the HTTP client and key ring, the inbound
 * event pipeline, the resident-server answers, transactions in and out, and the joining-server operations
 * (remote joins, invites, rejections). Exists on the events writer, which persists what federation receives.
 */
import type Router from '@koa/router';
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { request as httpsRequest } from 'node:https';
import type { HomeserverConfig } from '../config/homeserverConfig.ts';
import type { EventSigner } from '../events/eventBuilder.ts';
import type { Storage } from '../storage/storage.ts';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import { EventAuthReadStore } from '../storage/databases/main/eventAuthReadStore.ts';
import { ServerKeysStore } from '../storage/databases/main/serverKeysStore.ts';
import { FederationOutboxStore } from '../storage/databases/main/federationOutboxStore.ts';
import type { StateResolver } from '../state/stateResolver.ts';
import type { EventCreationHandler } from '../handlers/events/eventCreationHandler.ts';
import type { RoomDirectoryHandler } from '../handlers/rooms/roomDirectoryHandler.ts';
import type { Logger } from '../logging/logger.ts';
import { federationRoutes } from '../http/federation/federationRoutes.ts';
import { ServerResolver } from './serverResolver.ts';
import { FederationHttpClient } from './federationHttpClient.ts';
import { KeyRing } from './keyRing.ts';
import { FederationEventHandler } from './federationEventHandler.ts';
import { HttpRemoteEventSource } from './remoteEventSource.ts';
import { RoomDataServer } from './roomDataServer.ts';
import { MembershipServer } from './membershipServer.ts';
import { FederationQueryServer } from './federationQueryServer.ts';
import { TransactionReceiver } from './transactionReceiver.ts';
import { FederationSender } from './federationSender.ts';
import { RemoteMembership } from './remoteMembership.ts';
import { Backfiller } from './backfiller.ts';
import { EphemeralFederation } from './ephemeralFederation.ts';
import type { E2eeHandlers } from '../handlers/keys/e2eeHandlers.ts';
import { RemoteDeviceListsStore } from '../storage/databases/main/remoteDeviceListsStore.ts';
import { UserKeysServer } from './userKeysServer.ts';
import { FederationRemoteKeys } from './federationRemoteKeys.ts';
import { DeviceListSender } from './deviceListSender.ts';
import { RemoteDeviceListUpdater } from './remoteDeviceListUpdater.ts';
import { RemoteCrossSigningKeys } from './remoteCrossSigningKeys.ts';
import { FederationKeyCache } from './federationKeyCache.ts';
import { NotaryServer } from './notaryServer.ts';
import { ServerAclChecker } from './serverAcl.ts';
import type { ServerKeyDocument } from './serverKeyDocument.ts';
import { notaryRoutes } from '../http/keys/notaryRoutes.ts';
import { openIdUserInfoRoutes } from '../http/federation/openIdUserInfoRoutes.ts';
import { OpenIdTokenHandler } from '../handlers/accounts/openIdTokenHandler.ts';
import type { MediaRepository } from '../media/mediaRepository.ts';
import { FederationMediaSource } from '../media/remoteMediaSource.ts';
import { AddressPolicy } from '../media/addressPolicy.ts';
import { relayFallbackSender } from '../relay/relayFallbackSender.ts';

export interface FederationOptions {
  readonly config: HomeserverConfig;
  readonly storage: Storage;
  readonly persistence: EventsPersistenceController;
  readonly stateResolver: StateResolver;
  readonly signer: EventSigner;
  readonly eventCreation: EventCreationHandler;
  readonly directory: RoomDirectoryHandler;
  /** Our own published key document (the notary hands it out too). */
  readonly keyDocument: ServerKeyDocument;
  /** Devices, keys and to-device messaging, which federation serves, feeds and extends to remote users. */
  readonly e2ee: E2eeHandlers;
  readonly log: Logger;
  readonly softwareVersion: string;
  /** Our media, served to other servers. */
  readonly media?: MediaRepository;
}

export class Federation {
  readonly resolver: ServerResolver;
  readonly client: FederationHttpClient;
  readonly keyRing: KeyRing;
  readonly receiver: FederationEventHandler;
  readonly roomData: RoomDataServer;
  readonly memberships: MembershipServer;
  readonly queries: FederationQueryServer;
  readonly transactions: TransactionReceiver;
  readonly sender: FederationSender;
  readonly remoteMembership: RemoteMembership;
  readonly outbox: FederationOutboxStore;
  readonly backfiller: Backfiller;
  readonly ephemeral: EphemeralFederation;
  readonly userKeys: UserKeysServer;
  /** `/keys/query` and `/keys/claim` for remote users (E2eeHandlers' RemoteKeys). */
  readonly remoteKeys: FederationRemoteKeys;
  readonly deviceListSender: DeviceListSender;
  readonly deviceListUpdater: RemoteDeviceListUpdater;
  /** What /keys/query answers for remote users without asking their servers. */
  readonly keyCache: FederationKeyCache;
  readonly notary: NotaryServer;
  readonly acl: ServerAclChecker;
  /** Fetches other servers' media for the media repository. */
  readonly mediaSource: FederationMediaSource;
  private stopWatchingMemberships: (() => void) | null = null;

  constructor(private readonly options: FederationOptions) {
    const { config, storage, signer, log } = options;
    const stores = storage.stores;
    this.resolver = new ServerResolver({
      // Our own relay is where its `url` says (an explicit resolve entry still wins).
      staticMap: config.relay ? { [config.relay.server_name]: config.relay.url, ...config.federation.resolve } : config.federation.resolve,
      fetchWellKnown: (hostname) => fetchWellKnown(hostname, config.federation.verify_certificates),
    });
    this.client = new FederationHttpClient({
      serverName: signer.serverName,
      signingKey: signer.signingKey,
      resolver: this.resolver,
      verifyCertificates: config.federation.verify_certificates,
      allowInsecureHttp: config.federation.allow_insecure_http,
    });
    this.keyRing = new KeyRing({
      ownServerName: signer.serverName,
      ownKey: signer.signingKey,
      store: new ServerKeysStore(stores.db),
      fetchDirect: (server) => this.fetchKeyDocument(server),
      notaries: config.federation.trusted_key_servers,
      fetchFromNotary: (notary, server, keyIds) => this.fetchThroughNotary(notary, server, keyIds),
      log: log.child('keyring'),
    });
    this.notary = new NotaryServer({
      serverName: signer.serverName,
      signingKey: signer.signingKey,
      ownDocument: options.keyDocument,
      keyRing: this.keyRing,
      fetchDocument: (server) => this.fetchKeyDocument(server),
      log: log.child('notary'),
    });
    const authChains = new EventAuthReadStore(stores.db);
    this.acl = new ServerAclChecker(stores);
    this.receiver = new FederationEventHandler({
      stores,
      acl: this.acl,
      stateController: storage.stateController,
      persistence: options.persistence,
      resolver: options.stateResolver,
      keyRing: this.keyRing,
      remote: new HttpRemoteEventSource(this.client),
      log: log.child('federation-in'),
    });
    this.roomData = new RoomDataServer(stores, authChains);
    this.memberships = new MembershipServer(stores, options.eventCreation, this.receiver, options.persistence, authChains, signer);
    this.queries = new FederationQueryServer(stores, options.directory, this.roomData);
    this.transactions = new TransactionReceiver(stores.db, this.receiver, log.child('federation-in'));
    this.outbox = new FederationOutboxStore(stores.db);
    this.sender = new FederationSender({
      stores,
      outbox: this.outbox,
      client: this.client,
      log: log.child('federation-out'),
      // Destinations that name a relay get their transactions deposited there while they are unreachable.
      ...(Object.keys(config.federation.peer_relays).length > 0 ? { fallback: relayFallbackSender(this.client, config.federation.peer_relays) } : {}),
    });
    this.ephemeral = new EphemeralFederation(stores, this.roomData, this.sender, this.acl);
    this.mediaSource = new FederationMediaSource(this.client, new AddressPolicy(config.media.url_preview_ip_allowlist));
    this.backfiller = new Backfiller(stores, this.client, this.receiver, this.roomData, log.child('backfill'));
    const { e2ee } = options;
    this.userKeys = new UserKeysServer(stores, e2ee.keyQuery, e2ee.keyClaim);
    this.remoteKeys = new FederationRemoteKeys(this.client);
    this.deviceListSender = new DeviceListSender(stores, this.outbox, this.sender, e2ee.keyQuery, log.child('device-lists'));
    const lists = new RemoteDeviceListsStore(stores.db);
    const crossSigning = new RemoteCrossSigningKeys(stores.crossSigningKeys);
    this.keyCache = new FederationKeyCache({ stores, lists, crossSigning, publisher: e2ee.deviceLists });
    this.deviceListUpdater = new RemoteDeviceListUpdater({
      lists,
      publisher: e2ee.deviceLists,
      crossSigning,
      cache: this.keyCache,
      client: this.client,
      log: log.child('device-lists'),
    });
    this.deviceListUpdater.attach(this.transactions);
    this.transactions.registerEduHandler('m.direct_to_device', async (origin, content) => e2ee.toDevice.receiveRemote(origin, content));
    this.remoteMembership = new RemoteMembership({
      stores,
      client: this.client,
      events: options.eventCreation,
      receiver: this.receiver,
      persistence: options.persistence,
      stateController: storage.stateController,
      keyRing: this.keyRing,
      membershipServer: this.memberships,
      signer,
      log: log.child('federation'),
    });
  }

  routes(): Router[] {
    return [
      notaryRoutes(this.notary, this.options.config.limits.max_request_body_bytes),
      openIdUserInfoRoutes(new OpenIdTokenHandler(this.options.storage.stores)),
      federationRoutes({
        serverName: this.options.signer.serverName,
        keyRing: this.keyRing,
        transactions: this.transactions,
        roomData: this.roomData,
        memberships: this.memberships,
        queries: this.queries,
        userKeys: this.userKeys,
        acl: this.acl,
        maxBodyBytes: Math.max(this.options.config.limits.max_request_body_bytes, 4 * 1024 * 1024),
        softwareVersion: this.options.softwareVersion,
        onVerifiedOrigin: (origin) => this.sender.destinationUp(origin),
        ...(this.options.media ? { media: this.options.media } : {}),
      }),
    ];
  }

  async start(): Promise<void> {
    await this.sender.start(this.options.persistence);
    this.deviceListSender.start(this.options.e2ee.deviceLists);
    this.deviceListUpdater.start();
    this.stopWatchingMemberships = this.keyCache.watchMemberships(this.options.persistence);
  }

  async stop(): Promise<void> {
    this.ephemeral.stop();
    this.deviceListSender.stop();
    this.stopWatchingMemberships?.();
    await this.deviceListUpdater.stop();
    await this.sender.stop();
  }

  private fetchKeyDocument(server: string): Promise<unknown> {
    return this.client.request(server, { method: 'GET', path: '/_matrix/key/v2/server', unsigned: true, timeoutMs: 15_000 });
  }

  /** A notary's copies of `server`'s key documents (`POST /_matrix/key/v2/query`, unauthenticated). */
  private async fetchThroughNotary(notary: string, server: string, keyIds: readonly string[]): Promise<unknown[]> {
    const criteria = Object.fromEntries(keyIds.map((id) => [id, {}]));
    const answer = await this.client.request<{ server_keys?: unknown }>(notary, {
      method: 'POST',
      path: '/_matrix/key/v2/query',
      body: { server_keys: { [server]: criteria } },
      unsigned: true,
      timeoutMs: 15_000,
    });
    return Array.isArray(answer.server_keys) ? answer.server_keys : [];
  }

  /** Sends an `m.direct_to_device` EDU (ToDeviceHandler's RemoteToDeviceSender). */
  sendToDevice(destination: string, content: JsonObject): void {
    this.sender.sendEdu(destination, 'm.direct_to_device', content);
  }
}

/** `https://<hostname>/.well-known/matrix/server`'s `m.server`, or null (any failure, bad JSON, non-200). */
export function fetchWellKnown(hostname: string, verifyCertificates: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    const request = httpsRequest(
      { host: hostname, port: 443, path: '/.well-known/matrix/server', method: 'GET', timeout: 10_000, rejectUnauthorized: verifyCertificates },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 64 * 1024) request.destroy();
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(null);
          try {
            const parsed = JSON.parse(body) as { 'm.server'?: unknown };
            resolve(typeof parsed['m.server'] === 'string' ? parsed['m.server'] : null);
          } catch {
            resolve(null);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
    request.end();
  });
}
