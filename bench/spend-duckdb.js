// The yardstick for bench_spend: DuckDB running the SQL equivalent of bench/spend-scopes.json
// (first matching spend scope wins = a CASE in priority order) over the same Parquet files,
// grouped like the spend summary. Prints one JSON line with the same per-scope figures.
//   node bench/spend-duckdb.js DIR THREADS [HUBAGENT_JSON]
// With HUBAGENT_JSON (bench_spend evaluate's line), also checks both engines attributed the
// same rows and cost to every spend scope and prints the speed ratio.
'use strict';
const path = require('path');
const { DuckDBInstance } = require(path.join(__dirname, '../tools/npm/node_modules/@duckdb/node-api'));

const tag = (key) => `json_extract_string(Tags, '$.${key}')`;
const is = (sql) => `coalesce(${sql}, false)`;
// Priority order, as in bench/spend-scopes.json (segment 2024-01..open).
const scopes = [
  ['Prod Platform', is(`${tag('team')} = 'Platform'`) + ' and ' + is(`${tag('env')} = 'prod'`)],
  ['Data team', is(`${tag('team')} = 'Data'`)],
  ['Ops owned', is(`contains(${tag('owner')}, 'ops@')`)],
  ['VMs East', is(`ServiceName = 'Virtual Machines'`) + ' and ' + is(`RegionId in ('eastus', 'eastus2')`)],
  ['AKS', is(`contains(ServiceName, 'Kubernetes')`)],
  ['SQL and Cosmos', is(`regexp_matches(ServiceName, '^Azure (SQL|Cosmos)')`)],
  ['Storage EU', is(`ServiceCategory = 'Storage'`) + ' and ' + is(`regexp_matches(RegionId, 'europe$')`)],
  ['Networking', is(`ServiceCategory = 'Networking'`)],
  ['Web', is(`ServiceCategory = 'Web'`)],
  ['Purchases', is(`ChargeCategory = 'Purchase'`)],
  ['Credits', is(`ChargeCategory = 'Credit'`)],
  ['Log Analytics', is(`ServiceName = 'Log Analytics'`)],
  ['Key vaults', is(`contains(ResourceName, 'kv')`)],
  ['Data Factory', is(`contains(ServiceName, 'Data Factory')`)],
  ['Redis', is(`regexp_matches(ServiceName, 'Redis')`)],
  ['Cost centre 2040', is(`${tag('costCenter')} = 'CC-2040'`)],
  ['Asia Pacific', is(`RegionId in ('southeastasia', 'japaneast', 'australiaeast')`)],
  ['Non-prod compute', is(`ServiceCategory = 'Compute'`) + ' and not ' + is(`${tag('env')} = 'prod'`)],
  ['Versioned meters', is(`regexp_matches(x_SkuMeterName, 'v[0-9]')`)],
  ['UK or central non-data', is(`RegionId = 'uksouth'`) + ' or (' + is(`RegionId = 'centralus'`) +
    ' and not ' + is(`contains(ServiceCategory, 'Data')`) + ')'],
];

(async () => {
  const dir = process.argv[2].replace(/'/g, "''");
  const threads = Number(process.argv[3] || 0);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  if (threads > 0) await c.run(`set threads = ${threads}`);
  const cases = scopes.map(([name, cond]) => `when ${cond} then '${name}'`).join('\n');
  const sql = `
    select scope, SubAccountId, ServiceCategory, ChargeCategory, BillingCurrency,
           sum(BilledCost) as billed, sum(EffectiveCost) as effective, sum(ListCost) as list,
           count(*) as n
    from (select case ${cases} end as scope, * from read_parquet('${dir}/**/*.parquet'))
    group by all`;
  const start = process.hrtime.bigint();
  const result = await c.runAndReadAll(sql);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const per = {};
  let rows = 0;
  for (const r of result.getRowObjects()) {
    const name = r.scope === null ? '(unscoped)' : r.scope;
    per[name] = per[name] || { rows: 0, billed: 0 };
    per[name].rows += Number(r.n);
    per[name].billed += Number(r.billed);
    rows += Number(r.n);
  }
  for (const v of Object.values(per)) v.billed = Math.round(v.billed * 100) / 100;
  const duck = { engine: 'duckdb', threads: threads || 'default', rows, seconds,
    rows_per_s: Math.round(rows / seconds), max_rss_kb: process.resourceUsage().maxRSS,
    groups: result.getRowObjects().length, scopes: per };
  console.log(JSON.stringify(duck));
  if (process.argv[4]) {
    const ours = JSON.parse(require('fs').readFileSync(process.argv[4], 'utf8'));
    const mismatches = [];
    for (const [name, v] of Object.entries(ours.scopes)) {
      const d = per[name] || { rows: 0, billed: 0 };
      if (d.rows !== v.rows || Math.abs(d.billed - v.billed) > 0.01) mismatches.push(name);
    }
    console.log(JSON.stringify({ bench: 'spend_scopes', rows, spend_scopes: 20,
      same_results: mismatches.length === 0 && ours.groups === duck.groups, mismatches,
      hubagent_rows_per_s: ours.rows_per_s, duckdb_rows_per_s: duck.rows_per_s,
      duckdb_threads: duck.threads, speed_ratio: +(ours.rows_per_s / duck.rows_per_s).toFixed(2),
      hubagent_max_rss_kb: ours.max_rss_kb, duckdb_max_rss_kb: duck.max_rss_kb }));
    if (mismatches.length) process.exit(1);
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
