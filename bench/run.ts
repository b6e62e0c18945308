/**
 * Runs every `*.bench.ts` in bench/ (or those whose name contains an argument) and prints their ratios.
 * `npm run bench`, `npm run bench -- crypto`. BENCH_MIN_MS shortens or lengthens each measurement.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { printReport, type Benchmark } from './harness.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

let missed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Benchmark };
  for (const report of await mod.default()) {
    printReport(report);
    if (report.target !== undefined && report.ratio < report.target) missed++;
  }
}
if (missed > 0) console.log(`\n${missed} target(s) missed`);
