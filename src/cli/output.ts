/** Where commands print: JSON for scripts (--json), text for people. */
export interface Output {
  json: boolean;
  print(text: string): void;
  data(value: unknown): void;
}

export function stdoutOutput(json: boolean): Output {
  return {
    json,
    print: (text) => process.stdout.write(`${text}\n`),
    data: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}
