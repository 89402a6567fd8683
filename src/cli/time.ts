/**
 * Times as the user's locale writes them. Node takes its locale from LC_ALL/LANG, but only the
 * language: LC_TIME (which is what says how times look) is ignored, and a plain C/POSIX locale
 * (containers, CI, many servers) becomes en-US with its 12-hour clock. So: LC_ALL, then LC_TIME,
 * then LANG; C/POSIX or nothing means a neutral 24-hour clock.
 */
export function userLocale(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = [env.LC_ALL, env.LC_TIME, env.LANG].find((v) => v !== undefined && v !== "");
  if (!raw || /^(C|POSIX)([._@].*)?$/i.test(raw)) return undefined;
  const tag = raw.split(/[.@]/)[0]!.replace(/_/g, "-");
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0];
  } catch {
    return undefined; // not a locale ICU knows: fall back like C
  }
}

function formatter(options: Intl.DateTimeFormatOptions, env: NodeJS.ProcessEnv): Intl.DateTimeFormat {
  const locale = userLocale(env);
  // Without a locale, ISO-like 24-hour times rather than en-US's "1:22:33 AM".
  return locale ? new Intl.DateTimeFormat(locale, options) : new Intl.DateTimeFormat("en-GB", { ...options, ...(options.hour && { hour: "2-digit" }), hourCycle: "h23" });
}

/** A time of day, e.g. 14:03:12 (de, en-GB, C) or 2:03:12 PM (en-US). */
export function formatTime(at: Date | string, env: NodeJS.ProcessEnv = process.env): string {
  return formatter({ hour: "numeric", minute: "2-digit", second: "2-digit" }, env).format(new Date(at));
}

/** A date and time, e.g. 06.12.2026, 14:03 (de) or 06/12/2026, 14:03 (C). */
export function formatDateTime(at: Date | string, env: NodeJS.ProcessEnv = process.env): string {
  return formatter({ dateStyle: "short", timeStyle: "short" }, env).format(new Date(at));
}
