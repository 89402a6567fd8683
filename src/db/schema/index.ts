// One file per concern; drizzle-kit reads this whole folder (drizzle.config.ts).
export * from "./relay.js";
export * from "./tokens.js";
export * from "./webhooks.js";
export * from "./accounts.js";
export * from "./comments.js";
export * from "./destination-settings.js";
export * from "./sessions.js";
export * from "./recordings.js";
export * from "./broadcast-sessions.js";
export * from "./media.js";
export * from "./scheduled-events.js";
