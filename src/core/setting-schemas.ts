import { z } from "zod";

/** A setting that must be a number above 0, with a message naming it. */
export const positive = (name: string, fallback: number) =>
  z.coerce.number({ error: `${name} must be a number` }).positive(`${name} must be greater than 0`).default(fallback);
