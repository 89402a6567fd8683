import { createRoute } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { StreamsStore } from "../../db/store.js";
import type { SessionRecorder } from "../../sessions/recorder.js";
import { reportCsv } from "../../sessions/report-csv.js";
import { sessionReportExample } from "../../webhooks/catalog.js";
import { json, newRouter } from "../router.js";
import { commonErrors, notFound, notFoundError } from "../errors.js";
import { IdParam } from "../schemas.js";
import { SessionList, SessionParam, SessionReportSchema, SessionSeries, SessionsQuery } from "../session-schemas.js";

/** What the session routes read: the recorder's views. */
export type SessionsView = Pick<SessionRecorder, "report" | "series" | "list" | "session">;

const NO_SESSION = "Broadcast session";

/** Broadcast sessions (issue #17): each stream's sessions, a session's report, its series, and the report as CSV. */
export function sessionRoutes({ streams, sessions }: { streams: StreamsStore; sessions: SessionsView }) {
  const app = newRouter();
  const reportOf = async (sessionId: string) => {
    const report = await sessions.report(sessionId);
    if (!report) throw notFound(NO_SESSION);
    return report;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/streams/{id}/sessions",
      summary: "The stream's broadcast sessions (first publish to final end), newest first, each with its report",
      request: { params: IdParam, query: SessionsQuery },
      responses: { 200: json(SessionList, "Sessions, newest first"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await streams.get(id))) throw notFound("Stream");
      return c.json({ sessions: await sessions.list(id, c.req.valid("query").limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/sessions/{sessionId}",
      summary: "A broadcast session's report (so far, while it is live)",
      description:
        "Durations (uptime, outages, slate) come from the exact times of the events; viewer averages from the series' buckets. The same report is sent as the `session.report_ready` event when the session ends.",
      request: { params: SessionParam },
      responses: { 200: json(SessionReportSchema, "The report"), ...commonErrors, ...notFoundError },
    }),
    async (c) => c.json(await reportOf(c.req.valid("param").sessionId), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/sessions/{sessionId}/series",
      summary: "The session's series: one entry per bucket (a minute by default) with ingest, destinations, viewers, chat and engagement",
      request: { params: SessionParam },
      responses: { 200: json(SessionSeries, "The buckets, oldest first"), ...commonErrors, ...notFoundError },
    }),
    async (c) => {
      const { sessionId } = c.req.valid("param");
      const stored = await sessions.session(sessionId);
      if (!stored) throw notFound(NO_SESSION);
      return c.json({ sessionId, bucketSec: stored.bucketSec, minutes: await sessions.series(sessionId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/sessions/{sessionId}/report.csv",
      summary: "The report as CSV: one row per figure (section, id, name, metric, value), for a spreadsheet",
      request: { params: SessionParam },
      responses: {
        200: { description: "The report", content: { "text/csv": { schema: z.string(), example: reportCsv(sessionReportExample) } } },
        ...commonErrors,
        ...notFoundError,
      },
    }),
    async (c) => {
      const report = await reportOf(c.req.valid("param").sessionId);
      c.header("Content-Type", "text/csv; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="prism-session-${report.startedAt.slice(0, 10)}-${report.id.replace(/[^\w-]/g, "").slice(0, 8)}.csv"`);
      return c.body(reportCsv(report), 200) as any;
    },
  );

  return app;
}
