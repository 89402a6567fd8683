/** Longest pattern a streamer may save: filters are short lists of words, not programs. */
export const MAX_PATTERN_LENGTH = 200;

/**
 * Accepts a regex only from a subset that cannot backtrack catastrophically: no backreferences or
 * lookarounds, and no quantifier applied to a group that itself contains a quantifier or an
 * alternation (the `(a+)+` and `(a|a)*` shapes behind ReDoS). Returns why a pattern is refused.
 */
export function unsafeRegexReason(pattern: string): string | null {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, "iu");
  } catch (err) {
    return `is not a valid regular expression (${(err as Error).message})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "must not use backreferences";
  if (/\(\?<?[=!]/.test(pattern)) return "must not use lookarounds";
  // Walk the groups: a group holding a quantifier or an alternation must not be quantified itself.
  const stack: Array<{ risky: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") inClass = true;
    else if (ch === "(") stack.push({ risky: false });
    else if (ch === "|" && stack.length > 0) stack[stack.length - 1]!.risky = true;
    else if ("*+?{".includes(ch) && stack.length > 0 && pattern[i - 1] !== "(") stack[stack.length - 1]!.risky = true;
    else if (ch === ")") {
      const group = stack.pop();
      const next = pattern[i + 1];
      // "?" repeats nothing (zero or once), so only *, + and {n,m} count.
      const quantified = next === "*" || next === "+" || next === "{";
      if (group?.risky && quantified) return "must not repeat a group that itself repeats or alternates (e.g. (a+)+), which can hang the matcher";
      if (group?.risky && stack.length > 0) stack[stack.length - 1]!.risky = true;
    }
  }
  return null;
}
