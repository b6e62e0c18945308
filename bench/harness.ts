/**
 * A tiny benchmark harness. Each benchmark measures its subject and a baseline in the same run and reports the
 * ratio, so figures compare across machines; absolute numbers are printed only as context.
 */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
}

export interface MeasureOptions {
  /** Keep running batches until at least this long has passed. */
  readonly minMilliseconds?: number;
  /** Operations per call of `fn` (when one call does many operations, e.g. a batch insert). */
  readonly operationsPerCall?: number;
  /** Unmeasured calls first, so the JIT and caches warm up. */
  readonly warmupCalls?: number;
  /**
   * Keep warming up until at least this long has passed. A long code path (a send through the whole stack) is
   * still being optimised by V8's background compilers for seconds after its first calls: measured, their threads
   * used ~300 us of CPU per send in the first 3 s and ~50 us after, competing with the measured work for the cores.
   */
  readonly warmupMilliseconds?: number;
}

/** How long a measurement runs unless told otherwise: `BENCH_MIN_MS`, 1 s by default. */
export function defaultMinMilliseconds(): number {
  return Number(process.env.BENCH_MIN_MS ?? 1000);
}

export async function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<Measurement> {
  const minMs = options.minMilliseconds ?? defaultMinMilliseconds();
  const perCall = options.operationsPerCall ?? 1;
  for (let i = 0; i < (options.warmupCalls ?? 10); i++) await fn();
  const warmupStart = performance.now();
  while (performance.now() - warmupStart < (options.warmupMilliseconds ?? 0)) await fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    const result = fn();
    if (result instanceof Promise) await result;
    calls++;
    elapsed = performance.now() - start;
  }
  const seconds = elapsed / 1000;
  const operations = calls * perCall;
  return { name, operations, seconds, opsPerSecond: operations / seconds };
}

/**
 * Measures a subject and its baseline in alternating slices (subject, baseline, subject, ...), so that a machine
 * whose speed drifts over seconds (shared CPUs) slows both alike instead of whichever happened to run second.
 */
export async function measureInterleaved(
  subject: { name: string; fn: () => unknown },
  baseline: { name: string; fn: () => unknown },
  options: MeasureOptions & { readonly slices?: number } = {},
): Promise<[Measurement, Measurement]> {
  const slices = options.slices ?? 6;
  const sliceMs = (options.minMilliseconds ?? defaultMinMilliseconds()) / slices;
  const sliceOptions = { ...options, minMilliseconds: sliceMs };
  const total = { [subject.name]: { operations: 0, seconds: 0 }, [baseline.name]: { operations: 0, seconds: 0 } };
  for (let i = 0; i < slices; i++) {
    for (const one of [subject, baseline]) {
      // Only the first slice of each warms up.
      const m = await measure(one.name, one.fn, i === 0 ? sliceOptions : { ...sliceOptions, warmupCalls: 0, warmupMilliseconds: 0 });
      total[one.name]!.operations += m.operations;
      total[one.name]!.seconds += m.seconds;
    }
  }
  const of = (name: string): Measurement => ({ name, ...total[name]!, opsPerSecond: total[name]!.operations / total[name]!.seconds });
  return [of(subject.name), of(baseline.name)];
}

/** Times one run of `fn`, which performs `operations` operations (for work that cannot be repeated at will). */
export async function timeOnce(name: string, operations: number, fn: () => unknown): Promise<Measurement> {
  const start = performance.now();
  await fn();
  const seconds = (performance.now() - start) / 1000;
  return { name, operations, seconds, opsPerSecond: operations / seconds };
}

export interface RatioReport {
  readonly title: string;
  readonly subject: Measurement;
  readonly baseline: Measurement;
  /** subject throughput / baseline throughput. */
  readonly ratio: number;
  /** Optional target on the ratio (e.g. ">= 0.25"), printed with a verdict. */
  readonly target?: number;
}

export function ratio(title: string, subject: Measurement, baseline: Measurement, target?: number): RatioReport {
  return { title, subject, baseline, ratio: subject.opsPerSecond / baseline.opsPerSecond, ...(target === undefined ? {} : { target }) };
}

export function printReport(report: RatioReport): void {
  const fmt = (m: Measurement) => `${m.name}: ${Math.round(m.opsPerSecond).toLocaleString('en')} ops/s`;
  const verdict = report.target === undefined ? '' : report.ratio >= report.target ? `  (target >= ${report.target}: met)` : `  (target >= ${report.target}: MISSED)`;
  console.log(`${report.title}\n  ${fmt(report.subject)}\n  ${fmt(report.baseline)}\n  ratio ${report.ratio.toFixed(3)}${verdict}`);
}

/** What a benchmark module exports: a function that measures and returns its ratio reports. */
export type Benchmark = () => Promise<RatioReport[]>;
