import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeFailure, storeUnavailable } from "../../src/api/errors.js";
import { startTestPrism, waitFor, type TestPrism } from "../support/prism.js";

/**
 * PostgreSQL down (issue #21): a Prism on a PostgreSQL server of its own, which the test shuts down (immediate
 * mode, as a crash or a failover does) and starts again. Writes answer 503 store_unavailable, the process stays up,
 * /healthz tells the load balancer, and everything works again once the server is back.
 */

const script = fileURLToPath(new URL("../../scripts/test-postgres.sh", import.meta.url));

/** The server scripts/test-postgres.sh started, stopped and restarted in place with its own pg_ctl. */
class OwnPostgres {
  readonly dataDir: string;
  private readonly pgCtl: string;

  constructor(readonly url: string) {
    const port = new URL(url).port;
    this.dataDir = `${process.env.TMPDIR ?? "/tmp"}/prism-test-pg-${port}/data`;
    const version = readdirSync("/usr/lib/postgresql").sort((x, y) => Number(x) - Number(y)).pop();
    this.pgCtl = `/usr/lib/postgresql/${version}/bin/pg_ctl`;
  }

  static start(): OwnPostgres {
    const url = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
    return new OwnPostgres(url);
  }

  /**
   * Every connection is cut (57P01, then refused). A fast shutdown rather than an immediate one: this test server runs
   * with synchronous_commit=off, so a crash would also lose its last commits (the migrations, even), and the
   * server that comes back would not be the one Prism wrote to.
   */
  stop(): void {
    this.pgCtl_("-m", "fast", "-w", "stop");
  }

  /** Starts it again on the same port and data (the options it last ran with, from postmaster.opts). */
  restart(): void {
    this.pgCtl_("-w", "-t", "60", "-l", `${this.dataDir}/../server.log`, "restart");
  }

  dispose(): void {
    execFileSync("bash", [script, "stop", this.url], { stdio: "ignore" });
  }

  private pgCtl_(...args: string[]): void {
    const command = [this.pgCtl, "-D", this.dataDir, ...args];
    // As root (initdb refuses root), the cluster belongs to the postgres user, as in the script.
    if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", ...command], { stdio: "ignore" });
    else execFileSync(command[0]!, command.slice(1), { stdio: "ignore" });
  }
}

describe("which errors mean the store is down", () => {
  it("recognises lost connections, shutdowns and timeouts, also wrapped, and nothing else", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(storeFailure(refused)).toBe("connection refused");
    expect(storeFailure(new AggregateError([refused], "connect failed"))).toBe("connection refused");
    expect(storeFailure(new Error("Failed query: insert into streams … params: …", { cause: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }) }))).toContain(
      "administrator command",
    );
    expect(storeFailure(Object.assign(new Error("connection failure"), { code: "08006" }))).toContain("connection failure");
    expect(storeFailure(Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }))).toBe("a query took too long and was cancelled");
    expect(storeFailure(new Error("timeout exceeded when trying to connect"))).toBe("timeout exceeded when trying to connect");
    expect(storeFailure(new Error("Query read timeout"))).toBe("Query read timeout");
    // A bug or a constraint is not an outage: it stays a 500 (or the route's own error).
    expect(storeFailure(Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }))).toBeUndefined();
    expect(storeFailure(new TypeError("x is undefined"))).toBeUndefined();
    expect(storeUnavailable(refused)).toMatchObject({ status: 503, code: "store_unavailable" });
  });
});

describe("PostgreSQL down", () => {
  let pg: OwnPostgres;
  let t: TestPrism;

  beforeAll(async () => {
    pg = OwnPostgres.start();
    t = await startTestPrism({ env: { PRISM_DATABASE_URL: pg.url } });
  });

  afterAll(async () => {
    await t?.stop();
    pg?.dispose();
  });

  it("answers writes with 503 store_unavailable, stays up, fails /healthz, and recovers when the server is back", async () => {
    expect((await t.api("GET", "/healthz", undefined, { token: null })).status).toBe(200);
    const before = await t.api("POST", "/api/v1/streams", { name: "Before" });
    expect(before.status).toBe(201);

    pg.stop();
    const write = await t.api("POST", "/api/v1/streams", { name: "While down" });
    expect(write.status).toBe(503);
    expect(write.body.error.code).toBe("store_unavailable");
    expect(write.body.error.message).toMatch(/database cannot be reached right now \(.+\), so this request was not completed\. Live streams keep flowing\. Try again in a few seconds/);
    expect(write.headers.get("retry-after")).toBe("5");
    // Nothing of the driver's error (its query, its parameters) reaches the client.
    expect(write.text).not.toMatch(/insert|params|Failed query/i);
    const read = await t.api("GET", `/api/v1/streams/${before.body.id}`);
    expect(read.status).toBe(503);

    const health = await waitFor(async () => {
      const res = await t.api("GET", "/healthz", undefined, { token: null });
      return res.status === 503 ? res : undefined;
    }, { what: "/healthz to report the store down" });
    expect(health.body).toMatchObject({ ok: false, store: "down", draining: false });
    // Still up: the process answers, and the pool's lost connections were logged, not thrown.
    expect((await t.api("GET", "/api/v1/openapi.json", undefined, { token: null })).status).toBe(200);
    expect(t.logs()).toContain("API request refused: the store is unreachable");

    pg.restart();
    await waitFor(async () => (await t.api("GET", "/healthz", undefined, { token: null })).status === 200, { what: "/healthz to recover" });
    const after = await t.api("POST", "/api/v1/streams", { name: "After" });
    expect(after.status).toBe(201);
    const names = ((await t.api("GET", "/api/v1/streams")).body as Array<{ name: string }>).map((s) => s.name);
    expect(names).toContain("Before");
    expect(names).toContain("After");
    expect(names).not.toContain("While down");
  });

  it("fails /healthz with draining: true once the node drains", async () => {
    expect((await t.api("GET", "/healthz", undefined, { token: null })).status).toBe(200);
    t.prism.drain();
    const res = await t.api("GET", "/healthz", undefined, { token: null });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ok: false, store: "up", draining: true });
    expect(res.body.message).toContain("shutting down");
  });
});
