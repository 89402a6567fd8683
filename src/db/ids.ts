import { v7 } from "uuid";

/**
 * Row ids that sort in the order the rows were made: UUIDv7 (RFC 9562), whose counter keeps the ids made in one
 * millisecond in order, and keeps them increasing if the clock steps back. Lists ordered by a creation time break
 * ties on the id, so rows made in the same millisecond still come out in the order they were made, on both
 * dialects: the outbox hands a receiver its events in the order they were announced, and two destinations added
 * back to back list in that order.
 */
export const newRowId = (): string => v7();

/** The same, as `<prefix>_<32 hex digits>` (`cmt_…`, `rec_…`). */
export const newPrefixedId = (prefix: string): string => `${prefix}_${v7().replaceAll("-", "")}`;
