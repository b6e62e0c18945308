/**
 * Kahn's algorithm that, at each step, takes the smallest of the ready vertices by a total order: the
 * lexicographically smallest topological ordering, which state resolution v2 needs so that every server sorts
 * power events identically (rooms/fragments/v2-state-res.md, "Reverse topological power ordering").
 */

/**
 * Orders the vertices of `graph` (vertex → the vertices it depends on, e.g. an event → its auth events) so that
 * every vertex comes after its dependencies, choosing the smallest ready vertex by `compare` at each step.
 * Dependencies that are not keys are vertices too. Vertices on a cycle (impossible with hash event IDs, but
 * forgeable with v1/v2 ones) are never ready and are left out.
 */
export function lexicographicalTopologicalSort<T>(graph: ReadonlyMap<T, ReadonlySet<T>>, compare: (a: T, b: T) => number): T[] {
  const remaining = new Map<T, number>();
  const dependents = new Map<T, T[]>();
  for (const [vertex, dependencies] of graph) {
    remaining.set(vertex, dependencies.size);
    for (const dependency of dependencies) {
      if (!graph.has(dependency) && !remaining.has(dependency)) remaining.set(dependency, 0);
      let list = dependents.get(dependency);
      if (!list) dependents.set(dependency, (list = []));
      list.push(vertex);
    }
  }
  const ready = new MinHeap<T>(compare);
  for (const [vertex, count] of remaining) if (count === 0) ready.push(vertex);
  const order: T[] = [];
  while (ready.size > 0) {
    const vertex = ready.pop();
    order.push(vertex);
    for (const dependent of dependents.get(vertex) ?? []) {
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return order;
}

/** A binary heap: the ready set can hold thousands of events, so picking the smallest must not be linear. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
        if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
