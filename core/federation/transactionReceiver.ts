/**
 * Inbound transactions (`PUT /_matrix/federation/v1/send/{txnId}`): at most 50 PDUs and 100 EDUs, handled once
 * per (origin, txn ID): a repeated transaction gets the stored answer. Every PDU gets a result (an error string
 * for the dropped and rejected ones) without failing the transaction; EDUs go to the handler registered for
 * their type, and unknown types are ignored.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import type { Database } from '../storage/engine/database.ts';
import type { Logger } from '../logging/logger.ts';
import { MatrixError } from '../handlers/matrixError.ts';
import { KeyedMutex } from '../concurrency/keyedMutex.ts';
import type { FederationEventHandler } from './federationEventHandler.ts';

export const MAX_PDUS_PER_TRANSACTION = 50;
export const MAX_EDUS_PER_TRANSACTION = 100;

/** Handles one EDU of a type, from `origin`. Errors are logged, never fail the transaction. */
export type EduHandler = (origin: string, content: JsonObject) => Promise<void>;

export interface TransactionResponse {
  pdus: Record<string, { error?: string }>;
}

export class TransactionReceiver {
  private readonly eduHandlers = new Map<string, EduHandler>();
  private readonly perOrigin = new KeyedMutex<string>();

  constructor(
    private readonly db: Database,
    private readonly events: FederationEventHandler,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  registerEduHandler(eduType: string, handler: EduHandler): void {
    this.eduHandlers.set(eduType, handler);
  }

  async receive(origin: string, txnId: string, body: JsonObject): Promise<TransactionResponse> {
    const pdus = body.pdus ?? [];
    const edus = body.edus ?? [];
    if (!Array.isArray(pdus)) throw MatrixError.badJson('pdus must be an array');
    if (!Array.isArray(edus)) throw MatrixError.badJson('edus must be an array');
    if (pdus.length > MAX_PDUS_PER_TRANSACTION || edus.length > MAX_EDUS_PER_TRANSACTION) {
      throw MatrixError.badJson(`A transaction carries at most ${MAX_PDUS_PER_TRANSACTION} PDUs and ${MAX_EDUS_PER_TRANSACTION} EDUs`);
    }
    if (typeof body.origin === 'string' && body.origin !== origin) throw MatrixError.forbidden('The transaction origin does not match the request');
    // One transaction of an origin at a time: a retry arriving while the first is handled must wait for its answer.
    return this.perOrigin.run(origin, async () => {
      const stored = this.db.prepare('SELECT response_json FROM received_transactions WHERE origin = ? AND transaction_id = ?').pluck().get(origin, txnId) as string | undefined;
      if (stored !== undefined) return JSON.parse(stored) as TransactionResponse;
      const response: TransactionResponse = { pdus: {} };
      for (const pdu of pdus) {
        const result = await this.receivePdu(origin, pdu);
        if (result.eventId) response.pdus[result.eventId] = result.error === undefined ? {} : { error: result.error };
      }
      for (const edu of edus) await this.receiveEdu(origin, edu);
      this.db.prepare('INSERT OR REPLACE INTO received_transactions (origin, transaction_id, response_json, received_ts) VALUES (?, ?, ?, ?)').run(origin, txnId, JSON.stringify(response), this.now());
      return response;
    });
  }

  private async receivePdu(origin: string, pdu: JsonValue): Promise<{ eventId: string | null; error?: string }> {
    try {
      const result = await this.events.receivePdu(origin, pdu);
      if (result.outcome === 'dropped' || result.outcome === 'rejected') return { eventId: result.eventId, error: result.reason ?? result.outcome };
      return { eventId: result.eventId };
    } catch (e) {
      this.log.error(`failed to handle a PDU from ${origin}`, e);
      const id = (pdu as { event_id?: unknown } | null)?.event_id;
      return { eventId: typeof id === 'string' ? id : null, error: 'internal error' };
    }
  }

  private async receiveEdu(origin: string, edu: JsonValue): Promise<void> {
    if (typeof edu !== 'object' || edu === null || Array.isArray(edu)) return;
    const type = edu.edu_type;
    const content = edu.content;
    if (typeof type !== 'string' || typeof content !== 'object' || content === null || Array.isArray(content)) return;
    const handler = this.eduHandlers.get(type);
    if (!handler) return;
    try {
      await handler(origin, content);
    } catch (e) {
      this.log.warn(`failed to handle a ${type} EDU from ${origin}: ${(e as Error).message}`);
    }
  }
}
