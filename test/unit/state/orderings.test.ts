/** The orderings state resolution v2 relies on: Kahn's algorithm with a tie-break, and event ID comparison. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexicographicalTopologicalSort } from '../../../core/state/lexicographicalTopologicalSort.ts';
import { compareEventIds } from '../../../core/state/eventIdOrder.ts';

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

test('Kahn’s algorithm puts dependencies first and picks the smallest ready vertex', () => {
  // d depends on b and c, b and c on a; e stands alone. Among ready vertices the smallest comes first.
  const graph = new Map<string, Set<string>>([
    ['d', new Set(['b', 'c'])],
    ['c', new Set(['a'])],
    ['b', new Set(['a'])],
    ['a', new Set()],
    ['e', new Set()],
  ]);
  assert.deepEqual(lexicographicalTopologicalSort(graph, byString), ['a', 'b', 'c', 'd', 'e']);
  // A reversed tie-break changes only the choices among ready vertices.
  assert.deepEqual(lexicographicalTopologicalSort(graph, (a, b) => byString(b, a)), ['e', 'a', 'c', 'b', 'd']);
});

test('Kahn’s algorithm: dependencies that are not keys are vertices; cycles are left out', () => {
  assert.deepEqual(lexicographicalTopologicalSort(new Map([['x', new Set(['y'])]]), byString), ['y', 'x']);
  const cyclic = new Map([
    ['p', new Set(['q'])],
    ['q', new Set(['p'])],
    ['r', new Set<string>()],
  ]);
  assert.deepEqual(lexicographicalTopologicalSort(cyclic, byString), ['r']);
});

test('event IDs compare by code point, as Synapse compares them', () => {
  assert.equal(compareEventIds('$a', '$b'), -1);
  assert.equal(compareEventIds('$b', '$a'), 1);
  assert.equal(compareEventIds('$a', '$a'), 0);
  assert.equal(compareEventIds('$a', '$ab'), -1);
  // U+FF61 is below U+1F600 by code point, though its UTF-16 unit is above the surrogate 0xD83D.
  assert.equal(compareEventIds('$\uFF61', '$\u{1F600}'), -1);
  assert.equal('$\uFF61' < '$\u{1F600}', false, 'JavaScript’s own order disagrees');
});
