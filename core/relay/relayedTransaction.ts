/**
 * A transaction as `relay_txn` hands it out, and how the tenant decides what to believe of it.
 *
 * The answer has Dendrite's shape (`transaction`, `entry_id`, `entries_queued`) plus what closes Dendrite's gap:
 * `origin_authorization`, the origin's own X-Matrix signature over the request that brought the transaction
 * (method, URI, origin, destination, key, sig and the signed body). The tenant checks that signature with its
 * key ring and that the request was addressed to it (`/send/{txnId}` to the tenant, or `send_relay/{txnId}/
 * {user of the tenant}` to its relay). Only then are the EDUs accepted, and the transaction is de-duplicated by
 * origin + txn ID like any other. Without a verifying signature only the PDUs are taken, and each PDU is
 * verified on its own signatures as always: a relay can withhold or repeat what it was given, never forge it.
 */
import type { JsonObject, JsonValue } from '../crypto/canonicalJson.ts';
import { domainOf } from '../events/identifiers.ts';
import type { KeyRing } from '../federation/keyRing.ts';
import { verifyXMatrixSignature } from '../federation/xMatrixAuthorization.ts';
import { isJsonObject } from '../http/requestFields.ts';
import type { MailboxEntry, OriginAuthorization } from './mailboxStore.ts';

export interface SignedOriginRequest extends OriginAuthorization {
  /** The request body the origin signed. */
  readonly content: JsonObject;
}

/** `relay_txn`'s answer. */
export interface RelayTxnResponse {
  /** Dendrite's transaction object: origin, destination, origin_server_ts, pdus, edus (empty when none is queued). */
  readonly transaction: JsonObject;
  /** The entry to acknowledge with the next call; -1 when none is queued. */
  readonly entry_id: number;
  /** Whether this answer carries a transaction. */
  readonly entries_queued: boolean;
  /** The transaction ID the origin gave it. */
  readonly txn_id?: string;
  readonly origin_authorization?: SignedOriginRequest;
  /** Transactions in the mailbox, this one included. */
  readonly entries_pending?: number;
}

/** What the tenant takes from a relayed transaction. */
export type RelayedTransaction =
  | { readonly kind: 'signed'; readonly origin: string; readonly txnId: string; readonly body: JsonObject }
  | { readonly kind: 'unsigned'; readonly origin: string; readonly pdus: readonly unknown[]; readonly reason: string };

export class RelayProtocolError extends Error {
  override readonly name = 'RelayProtocolError';
}

/** The relay's answer for `entry` (null: the mailbox is empty). */
export function relayTxnResponse(entry: MailboxEntry | null, pending: number): RelayTxnResponse {
  if (!entry) return { transaction: { pdus: [], edus: [] }, entry_id: -1, entries_queued: false, entries_pending: pending };
  const { content } = entry;
  return {
    transaction: {
      origin: entry.origin,
      destination: entry.tenant,
      origin_server_ts: typeof content.origin_server_ts === 'number' ? content.origin_server_ts : entry.receivedTs,
      pdus: Array.isArray(content.pdus) ? content.pdus : [],
      edus: Array.isArray(content.edus) ? content.edus : [],
    },
    entry_id: entry.entryId,
    entries_queued: true,
    txn_id: entry.txnId,
    ...(entry.authorization ? { origin_authorization: { ...entry.authorization, content } } : {}),
    entries_pending: pending,
  };
}

/** Checks the shape of a `relay_txn` answer (from a relay we do not have to trust). */
export function parseRelayTxnResponse(value: unknown): RelayTxnResponse {
  if (!isJsonObject(value as JsonValue)) throw new RelayProtocolError('the relay_txn answer is not a JSON object');
  const answer = value as JsonObject;
  if (!Number.isSafeInteger(answer.entry_id)) throw new RelayProtocolError('entry_id must be an integer');
  if (typeof answer.entries_queued !== 'boolean') throw new RelayProtocolError('entries_queued must be a boolean');
  if (answer.entries_queued && !isJsonObject(answer.transaction)) throw new RelayProtocolError('transaction must be an object');
  return answer as unknown as RelayTxnResponse;
}

export interface RelayedTransactionContext {
  readonly ownServerName: string;
  /** Our relay: `send_relay` deposits are addressed to it. */
  readonly relayServerName: string;
  readonly keyRing: KeyRing;
}

/** What to believe of a relayed transaction (see the file comment). */
export async function checkRelayedTransaction(response: RelayTxnResponse, context: RelayedTransactionContext): Promise<RelayedTransaction> {
  const transaction = isJsonObject(response.transaction) ? response.transaction : {};
  const claimedOrigin = typeof transaction.origin === 'string' ? transaction.origin : '';
  const pdus = Array.isArray(transaction.pdus) ? transaction.pdus : [];
  const unsigned = (reason: string): RelayedTransaction => ({ kind: 'unsigned', origin: claimedOrigin, pdus, reason });
  if (response.origin_authorization === undefined) return unsigned('no origin signature');
  const signed = signedOriginRequest(response.origin_authorization as unknown as JsonValue);
  if (!signed) return unsigned('malformed origin signature');
  const { method, uri, origin, destination, content } = signed;
  const txnId = addressedTxnId(uri, destination, context);
  if (txnId === null) return unsigned(`the signed request (${method} ${uri} to ${destination}) was not a transaction for us`);
  if (method !== 'PUT') return unsigned('the signed request was not a PUT');
  // The key must have been valid when the origin sent the transaction (it may have waited long in the mailbox).
  const sentTs = typeof content.origin_server_ts === 'number' ? Math.min(content.origin_server_ts, Date.now()) : undefined;
  const verifyKey = await context.keyRing.getKey(origin, signed.key, sentTs);
  if (!verifyKey || !verifyXMatrixSignature({ method, uri, origin, destination, content }, signed, verifyKey.publicKey)) return unsigned(`the signature of ${origin} does not verify`);
  return { kind: 'signed', origin, txnId, body: content };
}

/** `origin_authorization` when it has every field with the right type. */
function signedOriginRequest(value: JsonValue): SignedOriginRequest | null {
  if (!isJsonObject(value) || !isJsonObject(value.content)) return null;
  const fields = ['method', 'uri', 'origin', 'destination', 'key', 'sig'] as const;
  if (!fields.every((field) => typeof value[field] === 'string')) return null;
  return value as unknown as SignedOriginRequest;
}

/** The transaction ID of a signed `/send` to us or `send_relay` for one of our users at our relay; else null. */
function addressedTxnId(uri: string, destination: string, context: RelayedTransactionContext): string | null {
  const path = uri.split('?')[0]!;
  const send = /^\/_matrix\/federation\/v1\/send\/([^/]+)$/.exec(path);
  if (send) return destination === context.ownServerName ? decodeSegment(send[1]!) : null;
  const relayed = /^\/_matrix\/federation\/v1\/send_relay\/([^/]+)\/([^/]+)$/.exec(path);
  if (!relayed || destination !== context.relayServerName) return null;
  const userId = decodeSegment(relayed[2]!);
  return userId !== null && domainOf(userId) === context.ownServerName ? decodeSegment(relayed[1]!) : null;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
