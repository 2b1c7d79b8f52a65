// What both references share: their command line, and the load: `concurrency` virtual users,
// each running one workflow at a time until `total` have run.

//! The value after `--name` on the command line, or `fallback`.
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

//! Runs `run(i)` (a promise) for i = 0 .. total-1, `concurrency` at a time; returns the JSON
//! line the reference scripts print.
export async function drive(total, concurrency, run) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  async function user() {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      await run(i);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, user));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return JSON.stringify({
    workflows: total,
    concurrency,
    workflows_per_s: total / seconds,
    latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
  });
}
