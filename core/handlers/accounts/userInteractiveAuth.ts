/**
 * User-interactive authentication (client-server API, "User-interactive authentication API"): an endpoint
 * lists flows of stages; the client completes stages one request at a time within a session; once every stage
 * of one flow is done, the endpoint runs. Sessions are bound to the operation that started them, so a session
 * completed for one request cannot authorise another.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../crypto/base64.ts';
import type { JsonObject, JsonValue } from '../../crypto/canonicalJson.ts';
import { MatrixError, type MatrixErrcode } from '../matrixError.ts';

export type AuthStage = 'm.login.password' | 'm.login.registration_token' | 'm.login.dummy';

/** Checks one stage's submission; returns the user it authenticated (password) or null, or throws MatrixError. */
export type StageValidator = (auth: JsonObject, context: StageContext) => Promise<string | null>;

export interface StageContext {
  /** The logged-in user, for endpoints that re-authenticate their caller. */
  readonly requesterUserId: string | null;
}

export interface UiaRequest {
  /** What the session authorises, e.g. `POST /register` or `DELETE /devices/ABC`. */
  readonly operation: string;
  readonly flows: readonly (readonly AuthStage[])[];
  /** The request body's `auth` member. */
  readonly auth: JsonValue | undefined;
  readonly requesterUserId?: string | null;
  readonly params?: JsonObject;
}

export interface UiaResult {
  readonly sessionId: string;
  /** The user a password stage authenticated, if any. */
  readonly authenticatedUserId: string | null;
}

interface Session {
  readonly id: string;
  readonly operation: string;
  readonly completed: AuthStage[];
  authenticatedUserId: string | null;
  readonly created: number;
}

/** The 401 answer that asks the client to (continue to) authenticate. */
export class UiaChallenge extends MatrixError {
  constructor(
    body: { flows: { stages: AuthStage[] }[]; params: JsonObject; session: string; completed: AuthStage[] },
    failure?: { errcode: MatrixErrcode; error: string },
  ) {
    super(401, failure?.errcode ?? 'M_UNAUTHORIZED', failure?.error ?? 'Additional authentication is required', body);
    this.failed = failure !== undefined;
  }
  private readonly failed: boolean;

  override toJSON(): Record<string, unknown> {
    // The first challenge carries no error: clients read `flows` and `session` from it.
    return this.failed ? super.toJSON() : { ...this.extra };
  }
}

export const UIA_SESSION_LIFETIME_MS = 30 * 60 * 1000;

export class UserInteractiveAuth {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly validators: Readonly<Partial<Record<AuthStage, StageValidator>>>,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(request: UiaRequest): Promise<UiaResult> {
    this.expireSessions();
    const flows = request.flows.map((stages) => ({ stages: [...stages] }));
    const params = request.params ?? {};
    const auth = isObject(request.auth) ? request.auth : null;
    const sessionId = typeof auth?.session === 'string' ? auth.session : null;

    let session: Session;
    if (sessionId !== null) {
      const existing = this.sessions.get(sessionId);
      if (!existing) throw new MatrixError(400, 'M_UNKNOWN', 'Unknown or expired user-interactive authentication session');
      if (existing.operation !== request.operation) {
        throw MatrixError.forbidden('This authentication session was started for a different request');
      }
      session = existing;
    } else {
      session = { id: encodeBase64Url(randomBytes(18)), operation: request.operation, completed: [], authenticatedUserId: null, created: this.now() };
      this.sessions.set(session.id, session);
    }
    const challenge = (failure?: { errcode: MatrixErrcode; error: string }) =>
      new UiaChallenge({ flows, params, session: session.id, completed: [...session.completed] }, failure);

    const type = auth?.type;
    if (typeof type === 'string') {
      const allowed = flows.some((f) => f.stages.includes(type as AuthStage));
      const validator = this.validators[type as AuthStage];
      if (!allowed || !validator) throw challenge({ errcode: 'M_UNRECOGNIZED', error: `Authentication type ${type} is not offered here` });
      try {
        const userId = await validator(auth!, { requesterUserId: request.requesterUserId ?? null });
        if (userId !== null) session.authenticatedUserId = userId;
        if (!session.completed.includes(type as AuthStage)) session.completed.push(type as AuthStage);
      } catch (e) {
        if (e instanceof MatrixError && e.status !== 429) throw challenge({ errcode: e.errcode, error: e.message });
        throw e;
      }
    }
    const done = flows.some((f) => f.stages.every((stage) => session.completed.includes(stage)));
    if (!done) throw challenge();
    this.sessions.delete(session.id);
    return { sessionId: session.id, authenticatedUserId: session.authenticatedUserId };
  }

  private expireSessions(): void {
    const cutoff = this.now() - UIA_SESSION_LIFETIME_MS;
    for (const [id, session] of this.sessions) if (session.created < cutoff) this.sessions.delete(id);
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
