/**
 * Prism's layer rules, checked by `npm test` (depcruise src, and test/unit/layers.test.ts, which also
 * proves on a fixture that a bad import is refused). Data flows ingest → hub → outputs; lower layers
 * never know the higher ones.
 *
 *   core          src/core/, plus the two root leaves src/log.ts (pino's Logger) and src/bus.ts (the
 *                 event contract): shared vocabulary and mechanics (backoff, platform errors, limits,
 *                 output states, comments). Imports nothing of ours but itself.
 *   leaves        src/media/ (ffmpeg behind one door), src/net/ (address helpers), src/secrets/
 *                 (encryption at rest): import only core.
 *   relay         the RTMP relay: core, media (it runs ffmpeg), net (addresses of destinations).
 *   db            storage: core, and secrets (it encrypts stream keys and tokens at rest).
 *   destinations  the platform plug-ins and their shared plumbing: core, and net (URL checks).
 *                 Nothing of Prism's runtime (db, relay, oauth): what a platform needs is handed to
 *                 it through the interfaces in src/destinations/types.ts.
 *   features      comments, webhooks, oauth, metrics, media-library, schedule, recordings, audience, sessions, cluster (and config.ts, which derives platform settings
 *                 from the registry): any lower layer, and each other only through a feature's
 *                 index.ts or types.ts, never its internals.
 *   top           api, web, cli, service.ts, main.ts: anything; nothing imports them but each other.
 */
const CORE = "^src/(core/|log\\.ts$|bus\\.ts$)";
const LEAVES = "^src/(media|net|secrets)/";
const TOP = "^src/(api|web|cli)/|^src/(service|main)\\.ts$";
const FEATURES = "^src/(comments|webhooks|oauth|metrics|media-library|schedule|recordings|audience|sessions|cluster)/";

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "Import cycles hide which module depends on which.", from: { path: "^src/" }, to: { circular: true } },
    { name: "core-is-the-bottom", severity: "error", comment: "core imports nothing of ours but itself.", from: { path: CORE }, to: { path: "^src/", pathNot: CORE } },
    { name: "leaves-import-only-core", severity: "error", from: { path: LEAVES }, to: { path: "^src/", pathNot: [CORE, "^src/$1/"] } },
    {
      name: "relay-imports-only-core-media-net",
      severity: "error",
      comment: "The relay runs ffmpeg (media) and connects to addresses (net); platforms reach it only through what the composition root injects.",
      from: { path: "^src/relay/" },
      to: { path: "^src/", pathNot: [CORE, "^src/(relay|media|net)/"] },
    },
    {
      name: "db-imports-only-core-secrets",
      severity: "error",
      comment: "Storage encrypts secrets at rest (secrets); it knows no feature's types.",
      from: { path: "^src/db/" },
      to: { path: "^src/", pathNot: [CORE, "^src/(db|secrets)/"] },
    },
    {
      name: "destinations-import-only-core-net",
      severity: "error",
      comment: "A platform plug-in is sealed: its folder, the shared platform plumbing, core, and URL checks (net).",
      from: { path: "^src/destinations/" },
      to: { path: "^src/", pathNot: [CORE, "^src/(destinations|net)/"] },
    },
    {
      name: "features-stay-out-of-each-others-internals",
      severity: "error",
      comment: "A feature module uses another only through its index.ts or types.ts.",
      from: { path: FEATURES },
      to: { path: FEATURES, pathNot: ["^src/$1/", "^src/(comments|webhooks|oauth|metrics|media-library|schedule|recordings|audience|sessions|cluster)/(index|types)\\.ts$"] },
    },
    {
      name: "nothing-below-imports-the-top",
      severity: "error",
      comment: "api, web, cli, service and main are the top: no lower layer knows them.",
      from: { path: "^src/", pathNot: TOP },
      to: { path: TOP },
    },
    {
      name: "lower-layers-do-not-import-features",
      severity: "error",
      comment: "core, leaves, relay, db and destinations never import features or config.",
      from: { path: `${CORE}|${LEAVES}|^src/(relay|db|destinations)/` },
      to: { path: `${FEATURES}|^src/config\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a type is a dependency too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".d.ts"] },
    exclude: { path: "^src/web/public/|^src/types/" },
  },
};
