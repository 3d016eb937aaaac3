// Reads a Parquet file with DuckDB and prints, per column, its DuckDB type, non-null count, a
// total (strings: bytes, numbers: sum, booleans: trues, timestamps: seconds) and a filtered
// row count (-1 when not applicable), one tab-separated line each, then "rows<TAB>N". The focus DuckDB cross-check test compares
// these with what it wrote.   node tests/focus/duckdb-summary.js FILE
'use strict';
const path = require('path');
const { DuckDBInstance } = require(path.join(__dirname, '../../tools/npm/node_modules/@duckdb/node-api'));

(async () => {
  const file = process.argv[2].replace(/'/g, "''");
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`set TimeZone = 'UTC'`);
  const described = await c.runAndReadAll(`describe select * from read_parquet('${file}')`);
  const out = [];
  for (const { column_name: name, column_type: type } of described.getRowObjects()) {
    const q = '"' + name.replace(/"/g, '""') + '"';
    const total = type === 'VARCHAR' ? `sum(strlen(${q}))`
      : type === 'BOOLEAN' ? `sum(${q}::int)`
      : type.startsWith('TIMESTAMP') ? `sum(epoch_us(${q}) / 1000000)`
      : type === 'DATE' ? `sum(${q} - date '1970-01-01')`
      : `sum(${q})`;
    const r = await c.runAndReadAll(
      `select count(${q})::varchar as n, coalesce(${total}, 0)::double::varchar as t from read_parquet('${file}')`);
    const { n, t } = r.getRowObjects()[0];
    // A filtered count as a separate query, so DuckDB may skip row groups by the file's
    // min/max statistics: wrong statistics show up as a wrong count.
    const cut = type.startsWith('TIMESTAMP') ? `${q} >= timestamptz '2024-07-16 00:00:00+00'`
      : type === 'DOUBLE' ? `${q} > 1.0`
      : type === 'BIGINT' ? `${q} > 0`
      : null;
    let f = '-1';
    if (cut) {
      const fr = await c.runAndReadAll(`select count(*)::varchar as f from read_parquet('${file}') where ${cut}`);
      f = fr.getRowObjects()[0].f;
    }
    out.push([name, type, n, t, f].join('\t'));
  }
  const rows = await c.runAndReadAll(`select count(*)::varchar as n from read_parquet('${file}')`);
  out.push(`rows\t${rows.getRowObjects()[0].n}`);
  console.log(out.join('\n'));
})().catch((e) => { console.error(String(e)); process.exit(1); });
