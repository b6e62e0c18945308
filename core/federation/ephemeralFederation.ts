/**
 * Typing notifications, read receipts and presence across servers (server-server API, "Typing Notifications",
 * "Receipts", "Presence"): local changes go out as `m.typing` / `m.receipt` EDUs to the other servers in the
 * room, and as `m.presence` EDUs to every server sharing a room with the user. EDUs received are applied only
 * for users of the sending server who are joined to the room (for presence: who share a room with a local user).
 */
import type { JsonObject } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { DataStores } from '../storage/databases/mainDataStore.ts';
import type { TypingHandler } from '../handlers/typing/typingHandler.ts';
import type { ReceiptsHandler } from '../handlers/receipts/receiptsHandler.ts';
import type { PresenceHandler } from '../handlers/presence/presenceHandler.ts';
import { isPresenceState } from '../storage/databases/main/presenceStore.ts';
import type { EventsPersistenceController } from '../storage/controllers/eventsPersistenceController.ts';
import type { FederationSender } from './federationSender.ts';
import type { TransactionReceiver } from './transactionReceiver.ts';
import type { RoomDataServer } from './roomDataServer.ts';
import type { ServerAclChecker } from './serverAcl.ts';

/** How long after a remote join the joining server is sent our users' presence. */
export const PRESENCE_ON_JOIN_DELAY_MS = 2_000;

export class EphemeralFederation {
  private stopPresenceOnJoin: (() => void) | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly stores: DataStores,
    private readonly roomData: RoomDataServer,
    private readonly sender: FederationSender,
    /** Typing and receipts from a server the room's ACL denies are ignored. */
    private readonly acl: ServerAclChecker,
  ) {}

  attach(typing: TypingHandler, receipts: ReceiptsHandler, presence: PresenceHandler, transactions: TransactionReceiver): void {
    presence.onLocalChange((userId, content) => {
      const push: JsonObject = { user_id: userId, presence: content.presence, last_active_ago: content.last_active_ago ?? 0 };
      if (content.status_msg) push.status_msg = content.status_msg;
      if (content.currently_active !== undefined) push.currently_active = content.currently_active;
      for (const host of this.stores.deviceListAudience.hostsSharingRoomWith(userId)) {
        this.sender.sendEdu(host, 'm.presence', { push: [push] }, `presence:${userId}`);
      }
    });
    transactions.registerEduHandler('m.presence', async (origin, content) => {
      if (!Array.isArray(content.push)) return;
      for (const entry of content.push) {
        if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
        const userId = entry.user_id;
        if (typeof userId !== 'string' || domainOf(userId) !== origin || !isPresenceState(entry.presence)) continue;
        if (!this.sharesRoomWithLocalUser(userId)) continue;
        presence.receiveRemote(userId, {
          presence: entry.presence,
          statusMsg: typeof entry.status_msg === 'string' ? entry.status_msg : null,
          lastActiveAgo: typeof entry.last_active_ago === 'number' ? entry.last_active_ago : 0,
          currentlyActive: entry.currently_active === true,
        });
      }
    });

    typing.onLocalTyping((roomId, userId, isTyping, timeoutMs) => {
      void this.toRoomServers(roomId, (destination) =>
        this.sender.sendEdu(destination, 'm.typing', { room_id: roomId, user_id: userId, typing: isTyping, timeout: timeoutMs }, `typing:${roomId}:${userId}`),
      );
    });
    receipts.onLocalReceipt((receipt) => {
      const content: JsonObject = { [receipt.roomId]: { [receipt.receiptType]: { [receipt.userId]: { event_ids: [receipt.eventId], data: receipt.data } } } };
      void this.toRoomServers(receipt.roomId, (destination) => this.sender.sendEdu(destination, 'm.receipt', content, `receipt:${receipt.roomId}:${receipt.receiptType}:${receipt.userId}`));
    });

    transactions.registerEduHandler('m.typing', async (origin, content) => {
      const { room_id: roomId, user_id: userId, typing: isTyping } = content;
      if (typeof roomId !== 'string' || typeof userId !== 'string' || typeof isTyping !== 'boolean') return;
      if (domainOf(userId) !== origin || !(await this.acl.isAllowed(origin, roomId)) || !(await this.isJoined(roomId, userId))) return;
      typing.setRemoteTyping(roomId, userId, isTyping, typeof content.timeout === 'number' ? content.timeout : undefined);
    });
    transactions.registerEduHandler('m.receipt', async (origin, content) => {
      for (const [roomId, byType] of Object.entries(content)) {
        if (typeof byType !== 'object' || byType === null || Array.isArray(byType)) continue;
        if (!(await this.acl.isAllowed(origin, roomId))) continue;
        for (const [receiptType, byUser] of Object.entries(byType)) {
          if (typeof byUser !== 'object' || byUser === null || Array.isArray(byUser)) continue;
          for (const [userId, receipt] of Object.entries(byUser)) {
            if (domainOf(userId) !== origin || typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) continue;
            const eventIds = receipt.event_ids;
            const eventId = Array.isArray(eventIds) ? eventIds.find((e): e is string => typeof e === 'string') : undefined;
            if (!eventId || !(await this.isJoined(roomId, userId))) continue;
            const data = typeof receipt.data === 'object' && receipt.data !== null && !Array.isArray(receipt.data) ? receipt.data : {};
            const stored = await this.stores.events.getEvent(eventId);
            if (!stored || stored.event.roomId !== roomId) continue;
            receipts.receiveRemote(roomId, receiptType, userId, eventId, data);
          }
        }
      }
    });
  }

  private async toRoomServers(roomId: string, send: (destination: string) => void): Promise<void> {
    for (const host of await this.roomData.joinedHosts(roomId)) if (host !== this.stores.serverName) send(host);
  }

  /**
   * When a user of another server joins one of our rooms, that server is told the presence of our users in the
   * room who are not offline (as Synapse does), rather than learning it only at their next change.
   */
  sendPresenceOnJoin(persistence: EventsPersistenceController, presence: PresenceHandler): void {
    this.stopPresenceOnJoin = persistence.onPersisted((batch) => {
      if (batch.backfilled) return;
      const joinedServers = new Set<string>();
      for (const { event, context } of batch.events) {
        if (event.type !== 'm.room.member' || event.membership !== 'join' || event.stateKey === null || context.rejectedReason !== null) continue;
        const server = domainOf(event.stateKey);
        if (server !== null && server !== this.stores.serverName) joinedServers.add(server);
      }
      if (joinedServers.size === 0) return;
      // The joining server keeps the join only once our send_join answer reached it, and ignores presence of users
      // it shares no room with: give it a moment rather than race it.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.presenceOfRoom(batch.roomId, presence).then((push) => {
          if (push.length > 0) for (const server of joinedServers) this.sender.sendEdu(server, 'm.presence', { push });
        });
      }, PRESENCE_ON_JOIN_DELAY_MS);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /** Stops sending presence to joining servers (the server is stopping). */
  stop(): void {
    this.stopPresenceOnJoin?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** `m.presence` push entries of the room's local users who are not offline. */
  private async presenceOfRoom(roomId: string, presence: PresenceHandler): Promise<JsonObject[]> {
    const members = await this.stores.members.getUsersInRoom(roomId);
    const local = new Set(members.filter((m) => domainOf(m) === this.stores.serverName));
    return presence.presenceForSync(local, null, presence.currentPosition()).map((e) => ({ user_id: e.sender, ...e.content }) as JsonObject);
  }

  private sharesRoomWithLocalUser(userId: string): boolean {
    return this.stores.deviceListAudience.usersSharingRoomWith(userId).some((u) => domainOf(u) === this.stores.serverName);
  }

  private async isJoined(roomId: string, userId: string): Promise<boolean> {
    return (await this.stores.members.getUsersInRoom(roomId)).includes(userId);
  }
}
