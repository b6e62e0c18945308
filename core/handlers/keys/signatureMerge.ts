/**
 * Adds stored signatures (from /keys/signatures/upload) to a key object on its way out, without touching the
 * stored object: `signatures[signer][keyId] = signature`.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { CrossSigningSignature } from '../../storage/databases/main/crossSigningKeysStore.ts';

export function withSignatures(key: JsonObject, signatures: readonly CrossSigningSignature[]): JsonObject {
  if (signatures.length === 0) return key;
  const existing = typeof key.signatures === 'object' && key.signatures !== null && !Array.isArray(key.signatures) ? key.signatures : {};
  const merged: Record<string, Record<string, string>> = {};
  for (const [signer, byKey] of Object.entries(existing)) {
    if (typeof byKey === 'object' && byKey !== null && !Array.isArray(byKey)) merged[signer] = { ...(byKey as Record<string, string>) };
  }
  for (const s of signatures) (merged[s.userId] ??= {})[s.keyId] = s.signature;
  return { ...key, signatures: merged };
}

/** Groups signatures by their target (device ID or master public key). */
export function signaturesByTarget(signatures: readonly CrossSigningSignature[]): Map<string, CrossSigningSignature[]> {
  const byTarget = new Map<string, CrossSigningSignature[]>();
  for (const s of signatures) {
    let list = byTarget.get(s.targetDeviceId);
    if (!list) byTarget.set(s.targetDeviceId, (list = []));
    list.push(s);
  }
  return byTarget;
}
