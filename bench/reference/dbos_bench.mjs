// The reference for saga-bench: N durable DBOS Transact workflows of 5 steps each, at a
// given concurrency, against the same PostgreSQL. Each step does what a sagaflow step does
// in its worker (one small UPDATE), and DBOS checkpoints every step in its system database.
//
//   node dbos_bench.mjs --db-url postgresql://postgres@127.0.0.1:55432/dbos_ref --sagas 5000 --concurrency 64
//
// Prints one JSON line: {"workflows", "concurrency", "workflows_per_s", "latency_ms": {p50, p95, p99}}.
import { DBOS } from "@dbos-inc/dbos-sdk";
import pg from "pg";

import { arg, drive } from "./drive.mjs";

const dbUrl = arg("db-url", process.env.DBOS_SYSTEM_DATABASE_URL);
const total = Number(arg("sagas", "1000"));
const concurrency = Number(arg("concurrency", "64"));

const pool = new pg.Pool({ connectionString: dbUrl, max: 16 });

async function touch(id) {
  await pool.query("UPDATE ref_stock SET n = n - 1 WHERE id = $1", [id]);
}

async function orderWorkflow(id) {
  for (const name of ["price", "reserve", "create_payment", "confirm", "record_shipment"]) {
    await DBOS.runStep(() => touch(id), { name });
  }
}
const workflow = DBOS.registerWorkflow(orderWorkflow, { name: "orderWorkflow" });

async function main() {
  await pool.query("CREATE TABLE IF NOT EXISTS ref_stock (id int PRIMARY KEY, n bigint NOT NULL)");
  await pool.query(
    "INSERT INTO ref_stock SELECT i, 1000000 FROM generate_series(0, 99) i ON CONFLICT (id) DO NOTHING");
  DBOS.setConfig({ name: "sagaflow-bench-reference", systemDatabaseUrl: dbUrl, logLevel: "error" });
  await DBOS.launch();

  console.log(await drive(total, concurrency, (i) => workflow(i % 100)));
  await DBOS.shutdown();
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
