/**
 * Every handler of one instance, composed over its storage (the "what the server does" layer of DESIGN.md).
 * Routes receive the handlers they need from here.
 */
import type { HomeserverConfig } from '../config/homeserverConfig.ts';
import { clientBaseUrl } from '../config/homeserverConfig.ts';
import type { PasswordHashCost } from '../crypto/passwordHash.ts';
import type { EventSigner } from '../events/eventBuilder.ts';
import type { Storage } from '../storage/storage.ts';
import type { EventPersister } from '../storage/eventPersister.ts';
import { AccessTokenHandler } from './accounts/accessTokenHandler.ts';
import { PasswordAuthenticator } from './accounts/passwordAuthenticator.ts';
import { LoginHandler } from './accounts/loginHandler.ts';
import { RegistrationHandler } from './accounts/registrationHandler.ts';
import { PasswordChangeHandler } from './accounts/passwordChangeHandler.ts';
import { UserInteractiveAuth } from './accounts/userInteractiveAuth.ts';
import { EventCreationHandler } from './events/eventCreationHandler.ts';
import { EventSerializer } from './events/eventSerializer.ts';
import { VisibilityFilter } from './events/visibilityFilter.ts';
import { RoomMembershipHandler } from './rooms/roomMembershipHandler.ts';
import { RoomCreationHandler } from './rooms/roomCreationHandler.ts';
import { RoomEventsHandler } from './rooms/roomEventsHandler.ts';
import { RoomHistoryHandler } from './rooms/roomHistoryHandler.ts';
import { RoomDirectoryHandler } from './rooms/roomDirectoryHandler.ts';
import { ProfileHandler } from './profile/profileHandler.ts';
import { PushRulesHandler } from './push/pushRulesHandler.ts';
import { PushActionsRecorder } from './push/pushActionsRecorder.ts';
import { PushGatewaySender } from './pushers/pushGatewaySender.ts';
import { NotificationCounts } from './push/notificationCounts.ts';
import { NotificationsHandler } from './push/notificationsHandler.ts';
import type { Logger } from '../logging/logger.ts';
import type { Notifier } from '../replication/notifier.ts';
import type { StreamPosition } from '../replication/streamPosition.ts';
import { AccountDataHandler } from './accountData/accountDataHandler.ts';
import { RoomTagsHandler } from './accountData/roomTagsHandler.ts';
import { ReceiptsHandler } from './receipts/receiptsHandler.ts';
import { ReadMarkersHandler } from './receipts/readMarkersHandler.ts';
import { TypingHandler } from './typing/typingHandler.ts';
import { PresenceHandler } from './presence/presenceHandler.ts';
import { FilterHandler } from './sync/filterHandler.ts';
import { SyncHandler } from './sync/syncHandler.ts';
import { PushRulesSyncSource } from './sync/pushRulesSyncSource.ts';
import { E2eeHandlers } from './keys/e2eeHandlers.ts';
import { join, resolve } from 'node:path';
import { MediaRepository } from '../media/mediaRepository.ts';
import { UrlPreviewer } from '../media/urlPreviewer.ts';
import { BundledAggregations } from './relations/bundledAggregations.ts';
import { AnnotationGuard } from './relations/annotationGuard.ts';
import { RelationsHandler } from './relations/relationsHandler.ts';
import { ThreadsHandler } from './relations/threadsHandler.ts';
import { SearchHandler } from './search/searchHandler.ts';
import { UserDirectoryHandler } from './userDirectory/userDirectoryHandler.ts';
import { ReportsHandler } from './reports/reportsHandler.ts';
import { PushersHandler } from './pushers/pushersHandler.ts';
import { TurnServerHandler } from './voip/turnServerHandler.ts';
import { SpaceHierarchyHandler } from './spaces/spaceHierarchyHandler.ts';
import { RoomUpgradeHandler } from './upgrades/roomUpgradeHandler.ts';
import { TimestampToEventHandler } from './rooms/timestampToEventHandler.ts';
import { AccountDeactivationHandler } from './accounts/accountDeactivationHandler.ts';
import { OpenIdTokenHandler } from './accounts/openIdTokenHandler.ts';
import { WhoisHandler } from './admin/whoisHandler.ts';
import { AccountModerationHandler } from './admin/accountModerationHandler.ts';
import { MutualRoomsHandler } from './rooms/mutualRoomsHandler.ts';
import { RoomSummaryHandler } from './rooms/roomSummaryHandler.ts';

export interface HandlersOptions {
  readonly config: HomeserverConfig;
  readonly storage: Storage;
  readonly signer: EventSigner;
  readonly persister: EventPersister;
  readonly log: Logger;
  /** Wakes waiting /sync requests (and other followers) when something they may care about is written. */
  readonly notifier: Notifier;
  /** This instance's view of the events stream (the writer's generator, or what replication reported). */
  readonly eventsPosition: StreamPosition;
  /** Cheaper password hashing for tests. */
  readonly passwordCost?: PasswordHashCost;
}

export class Handlers {
  readonly serverName: string;
  readonly tokens: AccessTokenHandler;
  readonly passwords: PasswordAuthenticator;
  /** User-interactive auth for endpoints that re-authenticate a logged-in user (password stage). */
  readonly reauth: UserInteractiveAuth;
  readonly login: LoginHandler;
  readonly registration: RegistrationHandler;
  readonly passwordChange: PasswordChangeHandler;
  readonly eventCreation: EventCreationHandler;
  readonly serializer: EventSerializer;
  readonly visibility: VisibilityFilter;
  readonly memberships: RoomMembershipHandler;
  readonly roomCreation: RoomCreationHandler;
  readonly roomEvents: RoomEventsHandler;
  readonly roomHistory: RoomHistoryHandler;
  readonly directory: RoomDirectoryHandler;
  readonly profiles: ProfileHandler;

  readonly pushRules: PushRulesHandler;
  /** Records push actions after each committed batch; on the events writer only. */
  readonly pushActionsRecorder: PushActionsRecorder | null;
  /** Notifications to the push gateways of `http` pushers (only to hosts `push.gateway_hosts` allows). */
  readonly pushGateways: PushGatewaySender;
  /** Unread notification counts for /sync (an UnreadCountsSource). */
  readonly notificationCounts: NotificationCounts;
  readonly notifications: NotificationsHandler;

  readonly accountData: AccountDataHandler;
  readonly roomTags: RoomTagsHandler;
  readonly receipts: ReceiptsHandler;
  readonly readMarkers: ReadMarkersHandler;
  readonly typing: TypingHandler;
  readonly presence: PresenceHandler;
  readonly filters: FilterHandler;
  readonly sync: SyncHandler;
  /** Devices, E2EE keys, to-device messages, key backups, and their parts of /sync. */
  readonly e2ee: E2eeHandlers;

  /** Uploads, downloads, thumbnails and remote media (core/media). */
  readonly media: MediaRepository;
  readonly urlPreviews: UrlPreviewer;
  readonly relations: RelationsHandler;
  readonly threads: ThreadsHandler;
  readonly search: SearchHandler;
  readonly userDirectory: UserDirectoryHandler;
  readonly reports: ReportsHandler;
  readonly pushers: PushersHandler;
  readonly turnServer: TurnServerHandler;
  readonly spaces: SpaceHierarchyHandler;
  readonly roomUpgrades: RoomUpgradeHandler;
  readonly timestampToEvent: TimestampToEventHandler;
  readonly accountDeactivation: AccountDeactivationHandler;
  readonly openIdTokens: OpenIdTokenHandler;
  readonly whois: WhoisHandler;
  readonly accountModeration: AccountModerationHandler;
  readonly mutualRooms: MutualRoomsHandler;
  readonly roomSummaries: RoomSummaryHandler;

  constructor(options: HandlersOptions) {
    const { config, storage } = options;
    const stores = storage.stores;
    this.serverName = options.signer.serverName;
    this.tokens = new AccessTokenHandler(stores, storage.invalidations, config.registration.refreshable_access_token_lifetime_ms);
    this.passwords = new PasswordAuthenticator(stores.users, this.serverName);
    this.reauth = new UserInteractiveAuth({ 'm.login.password': this.passwords.stage });
    this.login = new LoginHandler(this.serverName, clientBaseUrl(config), this.passwords, this.tokens);
    this.registration = new RegistrationHandler(this.serverName, config.registration, stores.users, this.tokens, options.passwordCost);
    this.passwordChange = new PasswordChangeHandler(stores.users, this.tokens, this.reauth, options.passwordCost);
    this.eventCreation = new EventCreationHandler(stores, storage.stateController, options.persister, options.signer);
    this.serializer = new EventSerializer(stores.events, new BundledAggregations(stores));
    this.visibility = new VisibilityFilter(stores);
    this.memberships = new RoomMembershipHandler(stores, this.eventCreation, storage.persistence);
    this.roomCreation = new RoomCreationHandler(stores, this.eventCreation, this.memberships);
    this.roomEvents = new RoomEventsHandler(stores, this.eventCreation, this.serializer, this.visibility, new AnnotationGuard(stores.relations));
    this.roomHistory = new RoomHistoryHandler(stores, this.serializer, this.visibility);
    this.directory = new RoomDirectoryHandler(stores);
    this.profiles = new ProfileHandler(stores, this.eventCreation, options.log.child('profile'));
    this.pushRules = new PushRulesHandler(stores, storage.invalidations);
    const pushLog = options.log.child('push');
    this.pushActionsRecorder = null;
    this.pushGateways = new PushGatewaySender({ stores, gatewayHosts: config.push.gateway_hosts, onError: (message, error) => pushLog.warn(`${message}: ${error instanceof Error ? error.message : JSON.stringify(error)}`) });
    if (storage.persistence) {
      this.pushActionsRecorder = new PushActionsRecorder({
        stores,
        rulesFor: (userId) => this.pushRules.getRuleset(userId),
        onError: (message, error) => pushLog.error(message, error),
        onRecorded: (rows) => this.pushGateways.notify(rows),
      });
      this.pushActionsRecorder.attach(storage.persistence);
    }
    this.notificationCounts = new NotificationCounts(stores.pushActions, this.pushActionsRecorder);
    this.notifications = new NotificationsHandler(stores, this.serializer, this.pushActionsRecorder);

    const { notifier } = options;
    this.accountData = new AccountDataHandler(stores, notifier, {
      'm.push_rules': async (userId) => ({ global: (await this.pushRules.getRuleset(userId)) as never }),
    });
    this.roomTags = new RoomTagsHandler(this.accountData);
    this.receipts = new ReceiptsHandler(stores, notifier);
    this.readMarkers = new ReadMarkersHandler(this.receipts, this.accountData);
    this.typing = new TypingHandler(stores, notifier, notifier.shutdown, storage.persistence);
    this.presence = new PresenceHandler(stores, notifier, storage.persistence, notifier.shutdown);
    this.filters = new FilterHandler(stores.filters);
    this.e2ee = new E2eeHandlers({ stores, notifier, tokens: this.tokens, reauth: this.reauth, log: options.log });
    this.sync = new SyncHandler({
      stores,
      notifier,
      eventsPosition: options.eventsPosition,
      followsEventsWriter: storage.persistence === null,
      serializer: this.serializer,
      visibility: this.visibility,
      filters: this.filters,
      accountData: this.accountData,
      typing: this.typing,
      presence: this.presence,
      unreadCounts: this.notificationCounts,
      pushRules: new PushRulesSyncSource(this.pushRules, stores, notifier),
      toDevice: this.e2ee.toDeviceSyncSource,
      deviceLists: this.e2ee.deviceListsSyncSource,
    });

    this.media = new MediaRepository({
      store: stores.media,
      serverName: this.serverName,
      mediaDir: join(resolve(config.data_dir), 'media'),
      maxUploadBytes: config.limits.max_upload_bytes,
    });
    this.urlPreviews = new UrlPreviewer({ enabled: config.media.url_preview_enabled, ipAllowlist: config.media.url_preview_ip_allowlist, media: this.media });
    this.relations = new RelationsHandler(stores, this.serializer, this.visibility);
    this.threads = new ThreadsHandler(stores, this.serializer, this.visibility);
    this.search = new SearchHandler(stores, this.serializer, this.visibility);
    this.userDirectory = new UserDirectoryHandler(stores.userDirectory);
    this.reports = new ReportsHandler(stores, this.visibility);
    this.pushers = new PushersHandler(stores.pushers);
    this.turnServer = new TurnServerHandler(config.voip);
    this.spaces = new SpaceHierarchyHandler(stores);
    this.roomUpgrades = new RoomUpgradeHandler(stores, this.eventCreation);
    this.timestampToEvent = new TimestampToEventHandler(stores, this.visibility);
    this.accountDeactivation = new AccountDeactivationHandler(stores, this.reauth, this.tokens, this.memberships, options.log.child('accounts'));
    this.openIdTokens = new OpenIdTokenHandler(stores);
    this.whois = new WhoisHandler(stores);
    this.accountModeration = new AccountModerationHandler(stores);
    this.mutualRooms = new MutualRoomsHandler(stores);
    this.roomSummaries = new RoomSummaryHandler(stores, (roomIdOrAlias) => this.memberships.resolveRoom(roomIdOrAlias));
  }
}
