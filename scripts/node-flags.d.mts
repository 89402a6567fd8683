/** The environment assignments and node flags in `entry`'s `#!/usr/bin/env -S … node …` line. */
export function entryLaunch(entry: string): { env: Record<string, string>; flags: string[] };
