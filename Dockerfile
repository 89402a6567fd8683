# Prism in a container: built in one stage, run as the unprivileged "node" user in another.
# ffmpeg and ffprobe come from the npm packages (@ffmpeg-installer, @ffprobe-installer); nothing else
# is needed at run time.

# Node 26 is the Active LTS line (since 2026-10-28; end of life 2029-04-30).
FROM node:26-trixie-slim AS build
WORKDIR /app
# better-sqlite3 compiles itself when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script (scripts/build.mjs), which finds no src/ yet and builds nothing.
COPY scripts ./scripts
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:26-trixie-slim
ENV NODE_ENV=production \
    PRISM_HOST=0.0.0.0 \
    PRISM_DATA_DIR=/data \
    PRISM_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# PostgreSQL's migrations (PRISM_DATABASE_URL), applied at start like SQLite's.
COPY migrations-pg ./migrations-pg
# Read at run time next to dist/: the default slate image and the dashboard's static files.
COPY assets ./assets
COPY src/web/public ./src/web/public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# RTMP ingest (OBS), then the HTTP API, /docs and /metrics.
EXPOSE 1935 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PRISM_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# docker stop sends SIGTERM: Prism stops taking publishes, closes every destination, closes the
# database and exits 0 within 10 s.
STOPSIGNAL SIGTERM
# The node flags of src/main.ts's first line (how every Prism runs; test/unit/node-flags.test.ts checks).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--v8-pool-size=1", "dist/main.js"]
CMD ["start"]
