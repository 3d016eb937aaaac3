// Makes the reference Parquet files the focus reader is tested against, with DuckDB
// (@duckdb/node-api), and writes the values the test expects from each into expected.txt.
// Run from the repository root after scripts/setup:  node tests/data/parquet/make-reference.js
'use strict';
const path = require('path');
const { DuckDBInstance } = require(path.join(__dirname, '../../../tools/npm/node_modules/@duckdb/node-api'));

const dir = __dirname;
// 3000 deterministic rows: repeated strings (dictionary), nulls, every type the module reads.
const source = `
  select
    i::bigint as id,
    case when i % 7 = 0 then null else 'svc-' || (i % 13) end as service,
    case when i % 5 = 0 then null else (i * 0.25)::double end as cost,
    (i % 3 = 0) as flag,
    timestamptz '2024-01-01 00:00:00+00' + to_seconds(i * 3600) as at_utc,
    timestamp '2024-01-01 00:00:00' + to_seconds(i * 60) as at_local,
    (date '2024-01-01' + (i % 366)::integer) as day,
    (i * 1.5)::decimal(18,4) as amount,
    (i % 1000)::integer as small,
    'row ' || i || ', "quoted"' as unique_text
  from range(3000) t(i)`;

const files = [
  ['duckdb_v1_snappy.parquet', "(FORMAT parquet, ROW_GROUP_SIZE 2048)"],
  ['duckdb_uncompressed.parquet', "(FORMAT parquet, COMPRESSION uncompressed)"],
  ['duckdb_gzip.parquet', "(FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 1000)"],
  ['duckdb_zstd.parquet', "(FORMAT parquet, COMPRESSION zstd)"],
  // V2: delta and byte-stream-split encodings where a dictionary does not pay.
  ['duckdb_v2.parquet', "(FORMAT parquet, PARQUET_VERSION V2, ROW_GROUP_SIZE 2048)"],
];

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`set TimeZone = 'UTC'`);
  for (const [name, options] of files)
    await c.run(`copy (${source}) to '${path.join(dir, name)}' ${options}`);
  const totals = await c.runAndReadAll(`
    select count(*) as rows, sum(id) as id_sum, count(service) as service_count,
           sum(strlen(service)) as service_bytes, sum(cost) as cost_sum,
           count(cost) as cost_count, sum(flag::int) as flag_true,
           sum(epoch_us(at_utc)) as at_utc_sum, sum(epoch_us(at_local)) as at_local_sum,
           sum(day - date '1970-01-01') as day_sum, sum(amount)::double as amount_sum,
           sum(small) as small_sum, sum(strlen(unique_text)) as unique_bytes
    from (${source})`);
  const row = totals.getRowObjects()[0];
  const lines = ['# name=value, what the reference files hold (all files hold the same rows)'];
  for (const [k, v] of Object.entries(row)) lines.push(`${k}=${v}`);
  require('fs').writeFileSync(path.join(dir, 'expected.txt'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
})().catch((e) => { console.error(e); process.exit(1); });
