import { afterAll } from "vitest";
import { dropTestPrismDatabases } from "./prism.js";

// setupFiles of the "postgres" project: the databases test Prisms ran on go when their file ends.
afterAll(async () => {
  await dropTestPrismDatabases();
});
