// Independent check of the Parquet lake: reads every file under a lake folder with hyparquet (a
// pure-JavaScript Parquet reader that shares no code with DuckDB), decodes every row of every
// column, and prints {"<table>": {"files": n, "rows": n, "codecs": [...], "partitions_ok": bool}}.
// Usage: node lake_rows.mjs LAKE_DIR
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const depsNode = process.env.STOCKPULSE_NODE_MODULES;
const load = (name) => import(require.resolve(name, { paths: [depsNode] }));
const { parquetMetadata, parquetReadObjects } = await load('hyparquet');
const { compressors } = await load('hyparquet-compressors');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

const root = process.argv[2];
const result = {};
for (const file of walk(root)) {
  const parts = relative(root, file).split(sep);
  const table = parts[0];
  const partitionsOk = parts.length === 4 && /^date=\d{4}-\d{2}-\d{2}$/.test(parts[1]) &&
      /^hour=\d{2}$/.test(parts[2]);
  const buf = readFileSync(file);
  const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(arrayBuffer);
  const rows = await parquetReadObjects({ file: arrayBuffer, compressors });
  if (rows.length !== Number(meta.num_rows)) {
    throw new Error(`${file}: metadata says ${meta.num_rows} rows, decoded ${rows.length}`);
  }
  const t = (result[table] ??= { files: 0, rows: 0, codecs: [], partitions_ok: true });
  t.files += 1;
  t.rows += rows.length;
  t.partitions_ok &&= partitionsOk;
  for (const rg of meta.row_groups) {
    for (const col of rg.columns) {
      const codec = col.meta_data.codec;
      if (!t.codecs.includes(codec)) t.codecs.push(codec);
    }
  }
}
console.log(JSON.stringify(result));
