/**
 * `/pushrules/`: the user's push rules (client-server API, "Push Rules: API"). Only the `global` scope exists.
 * The path is parsed segment by segment from the raw URL, so an encoded slash inside a rule ID stays part of it
 * (and is refused) instead of splitting the path.
 *
 * Like Synapse (and as sytest checks), paths that stop short are 400 `M_UNRECOGNIZED`: `/pushrules` and
 * `/pushrules/global` without their trailing slash, a missing rule ID, an unknown attribute. An unknown scope or
 * kind is 400 `M_INVALID_PARAM`. `GET /pushrules/global/{kind}/` lists one kind's rules.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccessTokenHandler } from '../../handlers/accounts/accessTokenHandler.ts';
import type { PushRulesHandler } from '../../handlers/push/pushRulesHandler.ts';
import { isPushRuleKind, type PushRuleKind } from '../../handlers/push/pushRule.ts';
import { MatrixError } from '../../handlers/matrixError.ts';
import { readJsonObject } from '../jsonBody.ts';
import { queryString } from '../requestFields.ts';
import { clientV3 } from './clientPaths.ts';
import { requesterOf, requireAuth } from './clientAuthentication.ts';

export interface PushRulesRoutesDeps {
  readonly tokens: AccessTokenHandler;
  readonly pushRules: PushRulesHandler;
  readonly maxBodyBytes: number;
}

const PREFIX = '/pushrules';

/** The path below `/pushrules`: `null` when there is nothing (not even a slash), else its decoded segments. */
function segmentsOf(ctx: Context): string[] | null {
  const at = ctx.path.indexOf(PREFIX);
  const rest = ctx.path.slice(at + PREFIX.length);
  if (rest === '') return null;
  try {
    return rest.slice(1).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw MatrixError.invalidParam('Malformed push rule path');
  }
}

function trailingSlashError(): MatrixError {
  return new MatrixError(400, 'M_UNRECOGNIZED', 'Unrecognised request: You probably wanted a trailing slash');
}

function unrecognised(): MatrixError {
  return new MatrixError(400, 'M_UNRECOGNIZED', 'Unrecognised request');
}

function checkScope(scope: string): void {
  if (scope !== 'global') throw MatrixError.invalidParam(`Unknown push rule scope ${JSON.stringify(scope)}; only "global" is supported`);
}

function checkKind(kind: string): PushRuleKind {
  if (!isPushRuleKind(kind)) throw MatrixError.invalidParam(`Unknown push rule kind ${JSON.stringify(kind)}`);
  return kind;
}

/** `{scope}/{kind}/{ruleId}[/{attr}]` of a single rule; an empty attribute (a trailing slash) counts as none. */
function ruleTarget(segments: string[] | null): { kind: PushRuleKind; ruleId: string; attr: string | null } {
  if (segments === null || segments.length === 0 || segments[0] === '') throw unrecognised();
  checkScope(segments[0]!);
  if (segments.length < 2 || segments[1] === '') throw unrecognised();
  const kind = checkKind(segments[1]!);
  if (segments.length < 3) throw unrecognised();
  if (segments.length > 4) throw unrecognised();
  const attr = segments[3] ?? '';
  return { kind, ruleId: segments[2]!, attr: attr === '' ? null : attr };
}

export function pushRulesRoutes(deps: PushRulesRoutesDeps): Router {
  const router = new Router();
  const auth = requireAuth(deps.tokens);
  const paths = [...clientV3(PREFIX), ...clientV3(`${PREFIX}/{*rest}`)];
  const body = (ctx: Context) => readJsonObject(ctx, { maxBytes: deps.maxBodyBytes });

  router.get(paths, auth, async (ctx) => {
    const { userId } = requesterOf(ctx);
    const segments = segmentsOf(ctx);
    if (segments === null) throw trailingSlashError();
    if (segments.length === 1 && segments[0] === '') {
      ctx.body = { global: await deps.pushRules.getRuleset(userId) };
      return;
    }
    checkScope(segments[0]!);
    if (segments.length === 1) throw trailingSlashError();
    if (segments.length === 2 && segments[1] === '') {
      ctx.body = await deps.pushRules.getRuleset(userId);
      return;
    }
    const kind = checkKind(segments[1]!);
    if (segments.length === 2) throw trailingSlashError();
    if (segments.length === 3 && segments[2] === '') {
      ctx.body = (await deps.pushRules.getRuleset(userId))[kind];
      return;
    }
    const { ruleId, attr } = ruleTarget(segments);
    const rule = await deps.pushRules.getRule(userId, kind, ruleId);
    if (attr === null) ctx.body = rule;
    else if (attr === 'enabled') ctx.body = { enabled: rule.enabled };
    else if (attr === 'actions') ctx.body = { actions: rule.actions };
    else throw unrecognised();
  });

  router.put(paths, auth, async (ctx) => {
    const { userId } = requesterOf(ctx);
    const { kind, ruleId, attr } = ruleTarget(segmentsOf(ctx));
    if (attr === null) {
      const before = queryString(ctx.query, 'before') || null;
      const after = queryString(ctx.query, 'after') || null;
      deps.pushRules.putRule(userId, kind, ruleId, await body(ctx), { before, after });
    } else if (attr === 'enabled') {
      const enabled = (await body(ctx)).enabled;
      if (enabled === undefined || enabled === null) throw MatrixError.missingParam("Missing 'enabled'");
      if (typeof enabled !== 'boolean') throw MatrixError.badJson("'enabled' must be a boolean");
      deps.pushRules.setEnabled(userId, kind, ruleId, enabled);
    } else if (attr === 'actions') {
      deps.pushRules.setActions(userId, kind, ruleId, (await body(ctx)).actions);
    } else {
      throw unrecognised();
    }
    ctx.body = {};
  });

  router.delete(paths, auth, (ctx) => {
    const { userId } = requesterOf(ctx);
    const { kind, ruleId, attr } = ruleTarget(segmentsOf(ctx));
    if (attr !== null) throw unrecognised();
    deps.pushRules.deleteRule(userId, kind, ruleId);
    ctx.body = {};
  });
  return router;
}
