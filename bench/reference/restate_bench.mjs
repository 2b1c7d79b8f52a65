// The second reference for saga-bench: N durable Restate invocations of 5 steps each, at a
// given concurrency. The issue defines the 400 sagas/s target as twice Restate 1.7, so Restate
// runs here, in the same scripts/bench run, rather than being read off another machine.
//
// This script starts a throwaway restate-server 1.7 (npm @restatedev/restate-server: the
// release binary, its journal in RocksDB under --base-dir, fsynced as shipped), serves the
// workflow from this process with the TypeScript SDK, registers it, and drives it through the
// ingress over HTTP. Each of the 5 steps is a ctx.run that does what a sagaflow step does in its
// worker, and what the DBOS reference's steps do (one small UPDATE in PostgreSQL); Restate
// journals every step's result before the next one starts.
//
//   node restate_bench.mjs --db-url postgresql://postgres@127.0.0.1:55432/restate_ref --sagas 5000 \
//       --concurrency 64 --base-dir .local/restate
//
// Prints one JSON line: {"workflows", "concurrency", "workflows_per_s", "latency_ms": {p50, p95, p99}}.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

import { arg, drive } from "./drive.mjs";

// The SDK logs every invocation at INFO; as with the DBOS reference's logLevel, only errors.
process.env.RESTATE_LOGGING ??= "ERROR";
const restate = await import("@restatedev/restate-sdk");

const here = path.dirname(fileURLToPath(import.meta.url));
const dbUrl = arg("db-url", process.env.SAGAFLOW_PG_URL);
const total = Number(arg("sagas", "1000"));
const concurrency = Number(arg("concurrency", "64"));
const baseDir = path.resolve(arg("base-dir", path.join(here, "..", "..", ".local", "restate")));
// Ports of its own, next to the local PostgreSQL (55432) and RabbitMQ (55672).
// Below Linux's ephemeral range (32768-60999): a fixed port in it can be taken, now and then,
// by the local end of some process's outgoing connection (one run failed so, EADDRINUSE).
const ingressPort = Number(arg("ingress-port", "28080"));
const adminPort = Number(arg("admin-port", "29070"));  // and the next one, for its SQL port
const nodePort = Number(arg("node-port", "25122"));
// 0: a free port the system picks; the deployment is registered at whatever it is.
const endpointPort = Number(arg("endpoint-port", "0"));

const pool = new pg.Pool({ connectionString: dbUrl, max: 16 });

async function touch(id) {
  await pool.query("UPDATE ref_stock SET n = n - 1 WHERE id = $1", [id]);
  return true;
}

const orderService = restate.service({
  name: "order",
  handlers: {
    run: async (ctx, id) => {
      for (const name of ["price", "reserve", "create_payment", "confirm", "record_shipment"]) {
        await ctx.run(name, () => touch(id));
      }
      return id;
    },
  },
});

//! Polls `check` every 100 ms until it returns true or `ms` pass.
async function waitFor(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function startServer() {
  fs.rmSync(baseDir, { recursive: true, force: true });
  fs.mkdirSync(baseDir, { recursive: true });
  const config = path.join(baseDir, "restate.toml");
  fs.writeFileSync(config, [
    `base-dir = "${path.join(baseDir, "data")}"`,
    `bind-address = "127.0.0.1:${nodePort}"`,
    `advertised-address = "http://127.0.0.1:${nodePort}/"`,
    `listen-mode = "tcp"`,
    `disable-telemetry = true`,
    // Its check for a newer release cannot reach GitHub from here; nothing else is logged.
    `log-filter = "error,octocrab=off"`,
    `[ingress]`, `bind-address = "127.0.0.1:${ingressPort}"`,
    `[admin]`, `bind-address = "127.0.0.1:${adminPort}"`, `disable-web-ui = true`,
    `[admin.query-engine]`, `pgsql-bind-address = "127.0.0.1:${adminPort + 1}"`,
    "",
  ].join("\n"));
  const binary = path.join(here, "node_modules", "@restatedev", "restate-server-linux-x64", "bin", "restate-server");
  const log = fs.openSync(path.join(baseDir, "server.log"), "w");
  return spawn(binary, ["--config-file", config, "--no-logo"], { stdio: ["ignore", log, log] });
}

async function main() {
  await pool.query("CREATE TABLE IF NOT EXISTS ref_stock (id int PRIMARY KEY, n bigint NOT NULL)");
  await pool.query(
    "INSERT INTO ref_stock SELECT i, 1000000 FROM generate_series(0, 99) i ON CONFLICT (id) DO NOTHING");
  const server = startServer();
  const serverExited = new Promise((resolve) => server.on("exit", resolve));
  try {
    const servicePort = await restate.endpoint().bind(orderService).listen(endpointPort);
    const admin = `http://127.0.0.1:${adminPort}`;
    await waitFor("restate-server's admin API", 60_000, async () => (await fetch(`${admin}/health`)).ok);
    const registered = await fetch(`${admin}/deployments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ uri: `http://127.0.0.1:${servicePort}` }),
    });
    if (!registered.ok) throw new Error(`registering the deployment: ${registered.status} ${await registered.text()}`);
    const ingress = `http://127.0.0.1:${ingressPort}/order/run`;
    const invoke = async (id, timeoutMs = 60_000) => {
      const answer = await fetch(ingress, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(id),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await answer.text();
      if (!answer.ok) throw new Error(`invocation ${id}: ${answer.status} ${body}`);
    };
    // The ingress takes requests once the partitions have leaders: the first call may wait.
    await waitFor("restate's ingress", 60_000, async () => {
      await invoke(0, 5_000);
      return true;
    });

    console.log(await drive(total, concurrency, (i) => invoke(i % 100)));
  } finally {
    server.kill("SIGTERM");
    await Promise.race([serverExited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    server.kill("SIGKILL");
    await pool.end();
  }
  process.exit(0);  // the SDK's endpoint keeps listening otherwise
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
