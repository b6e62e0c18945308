/**
 * The auth rule for `m.room.member` events (rule 5 in v1/v2, rule 4 from v3): joins, invites (including
 * third-party invites), leaves and kicks, bans and unbans, and knocks, as each room version has them.
 */
import { domainOf, isAcceptableUserId } from '../events/identifiers.ts';
import type { AuthContext } from './authContext.ts';
import { roomCreator } from './roomCreator.ts';
import { checkThirdPartyInvite } from './thirdPartyInviteAuth.ts';
import { describeJsonType } from './jsonShape.ts';

/** Throws AuthError unless the member event of `ctx` is allowed; returns when it is. */
export function checkMemberEvent(ctx: AuthContext): void {
  const { event } = ctx;
  const target = event.stateKey;
  if (target === null) ctx.reject('m.room.member event has no state_key');
  const membership = event.content.membership;
  if (membership === undefined) ctx.reject('m.room.member event has no membership in content');
  if (typeof membership !== 'string') ctx.reject(`membership is ${describeJsonType(membership)}, not a string`);

  // v8+ rule 4.2. The spec text puts it before the membership cases; Synapse (and the spec's own auth events
  // selection, clarified in matrix-spec#2100) apply it to joins only, and so do we: checking other memberships
  // would reject, say, a displayname change that copied the key, which every other server accepts (synapse#10923).
  if (ctx.event.roomVersion.restrictedJoinRule && membership === 'join' && 'join_authorised_via_users_server' in event.content) {
    const authoriser = event.content.join_authorised_via_users_server;
    if (!isAcceptableUserId(authoriser)) ctx.reject('join_authorised_via_users_server is not a user ID');
    const server = domainOf(authoriser)!;
    if (!ctx.isSignedBy(server)) ctx.reject(`join is not signed by the authorising server ${server}`);
  }

  switch (membership) {
    case 'join':
      return checkJoin(ctx, target);
    case 'invite':
      return checkInvite(ctx, target);
    case 'leave':
      return checkLeave(ctx, target);
    case 'ban':
      return checkBan(ctx, target);
    case 'knock':
      if (event.roomVersion.knock) return checkKnock(ctx, target);
      break;
  }
  ctx.reject(`unknown membership ${JSON.stringify(membership)}`);
}

function checkJoin(ctx: AuthContext, target: string): void {
  const { event } = ctx;
  const version = event.roomVersion;
  // The creator's own first join, right after the create event (v11: the creator is the create's sender).
  const prev = event.prevEventIds;
  if (prev.length === 1 && prev[0] === ctx.create.eventId && target === roomCreator(ctx.create)) return;

  if (event.sender !== target) ctx.reject(`sender ${event.sender} cannot join on behalf of ${target}`);
  const current = ctx.membershipOf(target);
  if (current === 'ban') ctx.reject('sender is banned');

  const joinRule = ctx.joinRule;
  if (joinRule === 'invite' || (version.knock && joinRule === 'knock')) {
    if (current === 'invite' || current === 'join') return;
    ctx.reject(`join rule is ${joinRule} and ${target} is not invited`);
  }
  if ((version.restrictedJoinRule && joinRule === 'restricted') || (version.knockRestrictedJoinRule && joinRule === 'knock_restricted')) {
    if (current === 'invite' || current === 'join') return;
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser !== 'string') ctx.reject(`${joinRule} join rule: the join has no join_authorised_via_users_server`);
    if (ctx.membershipOf(authoriser) !== 'join') ctx.reject(`${joinRule} join rule: authorising user ${authoriser} is not joined`);
    const level = ctx.levelOf(authoriser);
    const invite = ctx.powerLevels.invite;
    if (level < invite) {
      ctx.reject(`${joinRule} join rule: power level of authorising user ${authoriser} (${level}) is below the invite level (${invite})`);
    }
    return;
  }
  if (joinRule === 'public') return;
  ctx.reject(`cannot join: join rule is ${JSON.stringify(joinRule)}`);
}

function checkInvite(ctx: AuthContext, target: string): void {
  const { event } = ctx;
  if ('third_party_invite' in event.content) {
    checkThirdPartyInvite(event, ctx.state, ctx.membershipOf(target));
    return;
  }
  if (ctx.membershipOf(event.sender) !== 'join') ctx.reject(`inviter ${event.sender} is not joined`);
  const current = ctx.membershipOf(target);
  if (current === 'join') ctx.reject(`${target} is already joined`);
  if (current === 'ban') ctx.reject(`${target} is banned`);
  const level = ctx.levelOf(event.sender);
  const invite = ctx.powerLevels.invite;
  if (level < invite) ctx.reject(`power level of ${event.sender} (${level}) is below the invite level (${invite})`);
}

function checkLeave(ctx: AuthContext, target: string): void {
  const { event } = ctx;
  if (event.sender === target) {
    const current = ctx.membershipOf(target);
    if (current === 'invite' || current === 'join' || (event.roomVersion.knock && current === 'knock')) return;
    ctx.reject(`${target} cannot leave from membership ${JSON.stringify(current ?? 'leave')}`);
  }
  if (ctx.membershipOf(event.sender) !== 'join') ctx.reject(`sender ${event.sender} is not joined`);
  const senderLevel = ctx.levelOf(event.sender);
  if (ctx.membershipOf(target) === 'ban') {
    const ban = ctx.powerLevels.ban;
    if (senderLevel < ban) ctx.reject(`unban: power level of ${event.sender} (${senderLevel}) is below the ban level (${ban})`);
  }
  const kick = ctx.powerLevels.kick;
  if (senderLevel < kick) ctx.reject(`power level of ${event.sender} (${senderLevel}) is below the kick level (${kick})`);
  const targetLevel = ctx.levelOf(target);
  if (targetLevel >= senderLevel) {
    ctx.reject(`power level of ${target} (${targetLevel}) is not below that of ${event.sender} (${senderLevel})`);
  }
}

function checkBan(ctx: AuthContext, target: string): void {
  const { event } = ctx;
  if (ctx.membershipOf(event.sender) !== 'join') ctx.reject(`sender ${event.sender} is not joined`);
  const senderLevel = ctx.levelOf(event.sender);
  const ban = ctx.powerLevels.ban;
  if (senderLevel < ban) ctx.reject(`power level of ${event.sender} (${senderLevel}) is below the ban level (${ban})`);
  const targetLevel = ctx.levelOf(target);
  if (targetLevel >= senderLevel) {
    ctx.reject(`power level of ${target} (${targetLevel}) is not below that of ${event.sender} (${senderLevel})`);
  }
}

function checkKnock(ctx: AuthContext, target: string): void {
  const { event } = ctx;
  const joinRule = ctx.joinRule;
  const knockable = joinRule === 'knock' || (event.roomVersion.knockRestrictedJoinRule && joinRule === 'knock_restricted');
  if (!knockable) ctx.reject(`cannot knock: join rule is ${JSON.stringify(joinRule)}`);
  if (event.sender !== target) ctx.reject(`sender ${event.sender} cannot knock on behalf of ${target}`);
  const current = ctx.membershipOf(target);
  if (current === 'ban' || current === 'invite' || current === 'join') ctx.reject(`cannot knock from membership ${current}`);
}
