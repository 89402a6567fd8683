import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { grpcStatus } from "../../src/destinations/youtube/stream-list.js";
import { xWeightedLength } from "../../src/destinations/x/limits.js";

describe("packages loaded on first use", () => {
  it("tells gRPC statuses apart by grpc-js's own codes", () => {
    for (const [name, code] of Object.entries(grpcStatus)) expect(status[name as keyof typeof status]).toBe(code);
  });

  it("counts an X post with twitter-text once asked", () => {
    expect(xWeightedLength("hello")).toBe(5);
    expect(xWeightedLength("日本")).toBe(4);
    expect(xWeightedLength("see https://example.com/a/very/long/path/indeed")).toBe(4 + 23);
  });
});
