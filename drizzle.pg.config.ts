import { defineConfig } from "drizzle-kit";

// PostgreSQL (PRISM_DATABASE_URL, issue #21). The schema is generated from src/db/schema by
// scripts/gen-pg-schema.ts; `npm run db:generate` regenerates it and both dialects' migrations.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema-pg",
  out: "./migrations-pg",
});
