/**
 * Writes src/db/schema-pg/*.ts (drizzle pg-core) from src/db/schema/*.ts (sqlite-core), the one source of truth
 * (issue #21): `npx tsx scripts/gen-pg-schema.ts` (part of `npm run db:generate`). test/unit/schema-parity.test.ts
 * regenerates in memory and fails when the committed files differ.
 *
 * Mapping: text → text (enums kept); integer → bigint number mode (millisecond timestamps overflow int4);
 * integer boolean → boolean; JSON in text → jsonb with the same $type; real → double precision; an autoincrement
 * key → a bigint identity. Primary keys, uniques, indexes, foreign keys (onDelete) and defaults are copied.
 * The column's TypeScript `$type<…>` exists only in the source text, so it is read from there with the compiler.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { getTableColumns, is, SQL, type Column } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";

const root = fileURLToPath(new URL("../", import.meta.url));
export const SOURCE_DIR = join(root, "src/db/schema");
export const TARGET_DIR = join(root, "src/db/schema-pg");

/** What the source text says about a table that the runtime objects do not: each column's `$type<…>`. */
interface SourceTable {
  exportName: string;
  types: Map<string, string>;
}

/** The `export const x = sqliteTable(…)` declarations of one schema file, in their order, with their $types. */
function readSourceTables(file: string, text: string): SourceTable[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const tables: SourceTable[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const decl of statement.declarationList.declarations) {
      const init = decl.initializer;
      if (!init || !ts.isCallExpression(init) || init.expression.getText(source) !== "sqliteTable") continue;
      const columnsArg = init.arguments[1];
      const types = new Map<string, string>();
      if (columnsArg && ts.isObjectLiteralExpression(columnsArg)) {
        for (const prop of columnsArg.properties) {
          if (!ts.isPropertyAssignment(prop)) continue;
          const type = findTypeArgument(prop.initializer, source);
          if (type) types.set(prop.name.getText(source), type);
        }
      }
      tables.push({ exportName: decl.name.getText(source), types });
    }
  }
  return tables;
}

/** The T of a `.$type<T>()` anywhere in a column's builder chain. */
function findTypeArgument(node: ts.Node, source: ts.SourceFile): string | undefined {
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "$type") {
    return node.typeArguments?.[0]?.getText(source);
  }
  return ts.forEachChild(node, (child) => findTypeArgument(child, source));
}

interface Context {
  /** The export name of every table of the whole schema, and the file (without .ts) it is declared in. */
  tableHome: Map<unknown, { exportName: string; file: string }>;
  imports: Set<string>;
  foreignImports: Map<string, Set<string>>;
}

function literal(value: unknown): string {
  if (is(value, SQL)) throw new Error("gen-pg-schema: a default written in SQL cannot be carried over; use a JavaScript value");
  return JSON.stringify(value);
}

function columnKeyOf(table: SQLiteTable, column: Column): string {
  const entry = Object.entries(getTableColumns(table)).find(([, c]) => c === column);
  if (!entry) throw new Error(`gen-pg-schema: column ${column.name} not found on its table`);
  return entry[0];
}

/** One column's pg-core builder chain. */
function columnBuilder(table: SQLiteTable, column: Column, type: string | undefined, ctx: Context, file: string): string {
  const config = getTableConfig(table);
  const name = JSON.stringify(column.name);
  const autoIncrement = (column as Column & { autoIncrement?: boolean }).autoIncrement === true;
  let chain: string;
  switch (column.columnType) {
    case "SQLiteText": {
      ctx.imports.add("text");
      const values = (column as Column & { enumValues?: string[] }).enumValues;
      chain = values?.length ? `text(${name}, { enum: [${values.map((v) => JSON.stringify(v)).join(", ")}] })` : `text(${name})`;
      break;
    }
    case "SQLiteTextJson":
      ctx.imports.add("jsonb");
      chain = `jsonb(${name})`;
      break;
    case "SQLiteInteger":
    case "SQLiteTimestamp":
      ctx.imports.add("bigint");
      chain = `bigint(${name}, { mode: "number" })`;
      break;
    case "SQLiteBoolean":
      ctx.imports.add("boolean");
      chain = `boolean(${name})`;
      break;
    case "SQLiteReal":
      ctx.imports.add("doublePrecision");
      chain = `doublePrecision(${name})`;
      break;
    default:
      throw new Error(`gen-pg-schema: ${config.name}.${column.name} is a ${column.columnType}, which has no PostgreSQL mapping yet`);
  }
  if (type) chain += `.$type<${type}>()`;
  if (column.primary) chain += ".primaryKey()";
  if (autoIncrement) chain += ".generatedByDefaultAsIdentity()";
  if (column.notNull && !column.primary) chain += ".notNull()";
  if (column.default !== undefined) chain += `.default(${literal(column.default)})`;
  if ((column as Column & { defaultFn?: unknown }).defaultFn) throw new Error(`gen-pg-schema: ${config.name}.${column.name} has a $defaultFn, not carried over`);
  if (column.isUnique) chain += ".unique()";
  const fk = config.foreignKeys.find((f) => f.reference().columns.length === 1 && f.reference().columns[0] === column);
  if (fk) {
    const ref = fk.reference();
    const home = ctx.tableHome.get(ref.foreignTable);
    if (!home) throw new Error(`gen-pg-schema: ${config.name}.${column.name} references a table outside src/db/schema`);
    if (home.file !== file) {
      const names = ctx.foreignImports.get(home.file) ?? new Set<string>();
      names.add(home.exportName);
      ctx.foreignImports.set(home.file, names);
    }
    const target = `${home.exportName}.${columnKeyOf(ref.foreignTable as SQLiteTable, ref.foreignColumns[0]!)}`;
    const actions = [fk.onDelete && `onDelete: ${JSON.stringify(fk.onDelete)}`, fk.onUpdate && fk.onUpdate !== "no action" && `onUpdate: ${JSON.stringify(fk.onUpdate)}`].filter(Boolean);
    chain += actions.length ? `.references(() => ${target}, { ${actions.join(", ")} })` : `.references(() => ${target})`;
  }
  return chain;
}

/** The third argument of pgTable: composite keys and indexes. */
function extras(table: SQLiteTable, ctx: Context): string[] {
  const config = getTableConfig(table);
  const key = (c: Column) => `t.${columnKeyOf(table, c)}`;
  const out: string[] = [];
  for (const fk of config.foreignKeys) {
    if (fk.reference().columns.length !== 1) throw new Error(`gen-pg-schema: ${config.name} has a composite foreign key, not supported yet`);
  }
  for (const pk of config.primaryKeys) {
    ctx.imports.add("primaryKey");
    out.push(`primaryKey({ columns: [${pk.columns.map(key).join(", ")}] })`);
  }
  for (const u of config.uniqueConstraints) {
    ctx.imports.add("unique");
    out.push(`unique(${JSON.stringify(u.name)}).on(${u.columns.map(key).join(", ")})`);
  }
  for (const index of config.indexes) {
    const { name, columns, unique, where } = index.config;
    if (where) throw new Error(`gen-pg-schema: index ${name} is partial, not supported yet`);
    const builder = unique ? "uniqueIndex" : "index";
    ctx.imports.add(builder);
    const cols = columns.map((c) => {
      if (is(c, SQL)) throw new Error(`gen-pg-schema: index ${name} is on an expression, not supported yet`);
      return key(c as Column);
    });
    out.push(`${builder}(${JSON.stringify(name)}).on(${cols.join(", ")})`);
  }
  return out;
}

function tableSource(exportName: string, table: SQLiteTable, types: Map<string, string>, ctx: Context, file: string): string {
  const config = getTableConfig(table);
  const columns = Object.entries(getTableColumns(table)).map(
    ([key, column]) => `  ${key}: ${columnBuilder(table, column, types.get(key), ctx, file)},`,
  );
  const more = extras(table, ctx);
  const third = more.length ? `, (t) => [\n  ${more.join(",\n  ")},\n]` : "";
  return `export const ${exportName} = pgTable(${JSON.stringify(config.name)}, {\n${columns.join("\n")}\n}${third});\n`;
}

const HEADER = (source: string) =>
  `// GENERATED by scripts/gen-pg-schema.ts from src/db/schema/${source}: do not edit. Run \`npm run db:generate\`.\n`;

/** Every file of src/db/schema-pg as it should be: name → text. */
export async function generatePgSchema(): Promise<Map<string, string>> {
  const files = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts")
    .sort();
  const loaded: Array<{ file: string; tables: Array<{ exportName: string; table: SQLiteTable; types: Map<string, string> }> }> = [];
  const tableHome = new Map<unknown, { exportName: string; file: string }>();
  for (const file of files) {
    const path = join(SOURCE_DIR, file);
    const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const tables = readSourceTables(path, readFileSync(path, "utf8")).map(({ exportName, types }) => {
      const table = module[exportName];
      if (!is(table, SQLiteTable)) throw new Error(`gen-pg-schema: ${file} exports ${exportName}, which is not a table`);
      return { exportName, table, types };
    });
    for (const t of tables) tableHome.set(t.table, { exportName: t.exportName, file: file.replace(/\.ts$/, "") });
    loaded.push({ file, tables });
  }
  const out = new Map<string, string>();
  for (const { file, tables } of loaded) {
    if (tables.length === 0) continue;
    const ctx: Context = { tableHome, imports: new Set(["pgTable"]), foreignImports: new Map() };
    const body = tables.map((t) => tableSource(t.exportName, t.table, t.types, ctx, file.replace(/\.ts$/, ""))).join("\n");
    const imports = [`import { ${[...ctx.imports].sort().join(", ")} } from "drizzle-orm/pg-core";`];
    for (const [home, names] of [...ctx.foreignImports].sort(([a], [b]) => a.localeCompare(b))) {
      imports.push(`import { ${[...names].sort().join(", ")} } from "./${home}.js";`);
    }
    out.set(file, `${HEADER(file)}${imports.join("\n")}\n\n${body}`);
  }
  const index = [...out.keys()].map((f) => `export * from "./${f.replace(/\.ts$/, ".js")}";`).join("\n");
  out.set("index.ts", `${HEADER("index.ts")}${index}\n`);
  return out;
}

async function main(): Promise<void> {
  const files = await generatePgSchema();
  rmSync(TARGET_DIR, { recursive: true, force: true });
  mkdirSync(TARGET_DIR, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(TARGET_DIR, name), text);
  console.log(`gen-pg-schema: wrote ${files.size} files to src/db/schema-pg/`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
