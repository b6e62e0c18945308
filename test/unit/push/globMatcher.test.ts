/** Glob matching for push rules: `*` and `?`, case-insensitivity, whole values and word-bounded substrings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containsWords, globMatches } from '../../../core/handlers/push/globMatcher.ts';

test('whole-value globs: the spec example lunc?* and its non-matches', () => {
  for (const value of ['Lunch plans', 'LUNCH', 'lunch']) assert.equal(globMatches('lunc?*', value, 'whole'), true, value);
  for (const value of [' lunch', 'lunc', 'xlunch']) assert.equal(globMatches('lunc?*', value, 'whole'), false, value);
});

test('whole-value globs: * matches zero or more, ? exactly one character (a code point), everything else is literal', () => {
  assert.equal(globMatches('*', '', 'whole'), true);
  assert.equal(globMatches('', '', 'whole'), true);
  assert.equal(globMatches('', 'x', 'whole'), false);
  assert.equal(globMatches('a*b', 'ab', 'whole'), true);
  assert.equal(globMatches('a*b', 'a-long-b', 'whole'), true);
  assert.equal(globMatches('a*b', 'a-long-bc', 'whole'), false);
  assert.equal(globMatches('a**b', 'axb', 'whole'), true);
  assert.equal(globMatches('a?c', 'abc', 'whole'), true);
  assert.equal(globMatches('a?c', 'ac', 'whole'), false);
  assert.equal(globMatches('a?c', 'a😀c', 'whole'), true, '? matches one astral character');
  assert.equal(globMatches('a?c', 'a\nc', 'whole'), true, '? matches a newline');
  // Regular-expression and bracket characters are plain text in Matrix globs.
  assert.equal(globMatches('m.room.message', 'm.room.message', 'whole'), true);
  assert.equal(globMatches('m.room.message', 'mXroomXmessage', 'whole'), false);
  assert.equal(globMatches('[ab]', '[ab]', 'whole'), true);
  assert.equal(globMatches('[ab]', 'a', 'whole'), false);
  assert.equal(globMatches('(x)+', '(x)+', 'whole'), true);
});

test('case-insensitive, including non-ASCII letters', () => {
  assert.equal(globMatches('ÉCOLE', 'école', 'whole'), true);
  assert.equal(globMatches('straße', 'STRAßE', 'whole'), true);
  assert.equal(globMatches('ΣΊΣΥΦΟΣ', 'σίσυφοσ', 'whole'), true);
});

test('word mode (content.body): the spec example ex*ple and its matches', () => {
  assert.equal(globMatches('ex*ple', 'An example event.', 'words'), true);
  assert.equal(globMatches('ex*ple', 'exple', 'words'), true);
  assert.equal(globMatches('ex*ple', 'An exciting triple-whammy', 'words'), true);
  assert.equal(globMatches('ex*ple', 'examples', 'words'), false, 'must end at a word boundary');
  assert.equal(globMatches('ex*ple', 'reexample', 'words'), false, 'must start at a word boundary');
});

test('word mode: boundaries are the ends of the value and any character outside [A-Za-z0-9_]', () => {
  assert.equal(globMatches('cake', 'I like cake', 'words'), true);
  assert.equal(globMatches('cake', 'cake!', 'words'), true);
  assert.equal(globMatches('cake', 'CAKE', 'words'), true);
  assert.equal(globMatches('cake', 'cakes', 'words'), false);
  assert.equal(globMatches('cake', 'pancake', 'words'), false);
  assert.equal(globMatches('cake', 'cake_walk', 'words'), false, 'underscore is a word character');
  assert.equal(globMatches('cake', 'cake9', 'words'), false, 'digits are word characters');
  assert.equal(globMatches('cake', 'é-cake-é', 'words'), true, 'non-ASCII letters are boundaries');
  assert.equal(globMatches('cake', 'écakeé', 'words'), true, 'non-ASCII letters are boundaries even without spaces');
  assert.equal(globMatches('cake', '\u212Acake', 'words'), true, 'the Kelvin sign is not the ASCII letter k');
  // A pattern that begins or ends with a boundary character can start or end there.
  assert.equal(globMatches('@room', 'hey @room!', 'words'), true);
  assert.equal(globMatches('@room', 'x@room', 'words'), true);
  assert.equal(globMatches('@room', '@roomy', 'words'), false);
  assert.equal(globMatches('alice:', 'alice:bob', 'words'), true);
  assert.equal(globMatches('cake*lie', 'the cake is a lie', 'words'), true);
  assert.equal(globMatches('cake*lie', 'the cake is a lier', 'words'), false);
  assert.equal(globMatches('c?ke', 'a coke please', 'words'), true);
  assert.equal(globMatches('cake', '', 'words'), false);
});

test('matching stays fast for patterns that would make a backtracking matcher explode', () => {
  const body = 'a'.repeat(20_000);
  const started = process.hrtime.bigint();
  assert.equal(globMatches('*a*a*a*a*a*a*a*a*b', body, 'words'), false);
  assert.equal(globMatches('*a*a*a*a*a*a*a*a*b', body, 'whole'), false);
  // Behaviour only; the bound is generous so that it never flakes, but a backtracking matcher would not finish.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 5_000);
});

test('containsWords matches a literal, so glob characters in display names are plain text', () => {
  assert.equal(containsWords('Alice', 'hi alice!'), true);
  assert.equal(containsWords('Al*', 'hi alice!'), false);
  assert.equal(containsWords('Al*', 'hi Al*'), true);
  assert.equal(containsWords('Alice', 'malice'), false);
  assert.equal(containsWords('Dr. Who', 'ask dr. who now'), true);
});
