/**
 * The cryptographic test vectors of the spec appendices, read from ../shared/matrix-spec at test time and
 * matched byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSpecFile, codeBlocksOfSection, sectionText } from '../../support/matrixSpec.ts';
import { canonicalJson } from '../../../core/crypto/canonicalJson.ts';
import { decodeBase64, encodeBase64 } from '../../../core/crypto/base64.ts';
import { SigningKey } from '../../../core/crypto/signingKey.ts';
import { signJson, checkJsonSignature } from '../../../core/crypto/jsonSigning.ts';
import { hashAndSignEvent, checkEventSignature, hasValidContentHash } from '../../../core/events/eventSigning.ts';
import { getRoomVersion } from '../../../core/events/roomVersions.ts';
import type { JsonObject } from '../../../core/crypto/canonicalJson.ts';

const appendices = readSpecFile('content/appendices.md');

function specSigningKey(): { key: SigningKey; serverName: string } {
  const text = sectionText(appendices, 'Signing Key');
  const seed = /decode_base64\(\s*"([^"]+)"\s*\)/.exec(text)?.[1];
  const serverName = /SERVER_NAME = "([^"]+)"/.exec(text)?.[1];
  const keyId = /KEY_ID = "([^"]+)"/.exec(text)?.[1];
  assert.ok(seed && serverName && keyId, 'signing key vector present in the spec');
  const [algorithm, version] = keyId.split(':');
  assert.equal(algorithm, 'ed25519');
  const key = SigningKey.fromSeed(version!, decodeBase64(seed));
  assert.equal(key.keyId, keyId);
  return { key, serverName };
}

function pairs<T>(items: T[]): [T, T][] {
  assert.equal(items.length % 2, 0, 'vectors come as input/output pairs');
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i]!, items[i + 1]!]);
  return out;
}

test('unpadded Base64 examples of the appendices', () => {
  const text = sectionText(appendices, 'Unpadded Base64');
  const examples = [...text.matchAll(/UNPADDED_BASE64\("([^"]*)"\) = "([^"]*)"/g)];
  assert.ok(examples.length >= 7);
  for (const [, input, expected] of examples) {
    assert.equal(encodeBase64(Buffer.from(input!, 'utf8')), expected);
    assert.equal(decodeBase64(expected!).toString('utf8'), input);
  }
});

test('canonical JSON examples of the appendices, byte for byte', () => {
  const blocks = codeBlocksOfSection(appendices, 'Examples');
  const examples = pairs(blocks);
  assert.ok(examples.length >= 10, `found ${examples.length} canonical JSON examples`);
  for (const [input, expected] of examples) {
    assert.equal(canonicalJson(JSON.parse(input)), expected.trim(), `canonical form of ${input}`);
  }
});

test('JSON signing vectors of the appendices', () => {
  const { key, serverName } = specSigningKey();
  const examples = pairs(codeBlocksOfSection(appendices, 'JSON Signing'));
  assert.equal(examples.length, 2);
  for (const [input, expected] of examples) {
    const signed = signJson(JSON.parse(input) as JsonObject, serverName, key);
    assert.equal(canonicalJson(signed), canonicalJson(JSON.parse(expected)));
    assert.deepEqual(checkJsonSignature(signed, serverName, key.keyId, key.keyPair.publicKey), { ok: true });
  }
});

test('event signing vectors of the appendices (content hash and signature)', () => {
  const { key, serverName } = specSigningKey();
  const examples = pairs(codeBlocksOfSection(appendices, 'Event Signing'));
  assert.equal(examples.length, 2);
  // The vectors carry `event_id` and `origin`, i.e. the v1 event format and redaction rules.
  const v1 = getRoomVersion('1');
  for (const [input, expected] of examples) {
    const signed = hashAndSignEvent(JSON.parse(input) as JsonObject, v1, serverName, key);
    assert.equal(canonicalJson(signed), canonicalJson(JSON.parse(expected)));
    assert.ok(hasValidContentHash(signed, v1));
    assert.deepEqual(checkEventSignature(signed, v1, serverName, key.keyId, key.keyPair.publicKey), { ok: true });
  }
});

test('the signed key document example of "Signing Details" keeps unsigned out of the signature', () => {
  const [block] = codeBlocksOfSection(appendices, 'Signing Details');
  const doc = JSON.parse(block!) as JsonObject;
  const { key } = specSigningKey();
  // Re-signing with another key must keep the existing signature and the unsigned block.
  const resigned = signJson(doc, 'other.example', key);
  assert.deepEqual(resigned.unsigned, doc.unsigned);
  assert.deepEqual((resigned.signatures as JsonObject)['example.org'], (doc.signatures as JsonObject)['example.org']);
});
