import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError, compareCodePoints } from '../../../core/crypto/canonicalJson.ts';

test('keys are sorted by code point, also for astral characters', () => {
  // U+1F600 (a surrogate pair in UTF-16) sorts after U+FB01 by code point, before it by UTF-16 code unit.
  const astral = '\u{1F600}';
  const bmpHigh = '\uFB01';
  assert.equal(canonicalJson({ [astral]: 1, [bmpHigh]: 2 }), `{"${bmpHigh}":2,"${astral}":1}`);
  assert.ok(compareCodePoints(bmpHigh, astral) < 0);
  assert.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
});

test('strings use only the escapes the grammar allows', () => {
  assert.equal(canonicalJson('\u0000\u0007\b\t\n\f\r"\\/\u001f\u007f\u2028é'), '"\\u0000\\u0007\\b\\t\\n\\f\\r\\"\\\\/\\u001f\u007f\u2028é"');
});

test('floats, out-of-range integers and non-JSON values are refused naming the path', () => {
  assert.throws(() => canonicalJson({ a: { b: 1.5 } }), (e: unknown) => e instanceof CanonicalJsonError && /"a\.b"/.test(e.message));
  assert.throws(() => canonicalJson({ n: 2 ** 53 }), /outside the canonical integer range/);
  assert.throws(() => canonicalJson([Number.NaN]), /finite/);
  assert.throws(() => canonicalJson({ f: () => 1 }), /not a JSON value/);
  assert.equal(canonicalJson({ n: -(2 ** 53 - 1) }), `{"n":${-(2 ** 53 - 1)}}`);
});

test('the path in the error names keys and indexes down to the value, however deep', () => {
  const message = (value: unknown) => {
    try {
      canonicalJson(value);
    } catch (e) {
      assert.ok(e instanceof CanonicalJsonError);
      return e.message;
    }
    return assert.fail('expected an error');
  };
  assert.equal(message({ a: { b: [1, 2, { c: 1.5 }] } }), 'value at "a.b[2].c" is not an integer');
  assert.equal(message([1, [2, Number.NaN]]), 'value at "[1][1]" is not a finite number');
  assert.equal(message({ 'a.b': [undefined] }), 'value at "a.b[0]" is not a JSON value');
  assert.equal(message(1.5), 'value is not an integer');
});

test('lenient numbers (room versions 1-5) print floats instead of refusing them', () => {
  assert.equal(canonicalJson({ pl: 50.57 }, { lenientNumbers: true }), '{"pl":50.57}');
  assert.throws(() => canonicalJson({ pl: Infinity }, { lenientNumbers: true }), /finite/);
});

test('undefined members are left out, like JSON.stringify', () => {
  assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
});
