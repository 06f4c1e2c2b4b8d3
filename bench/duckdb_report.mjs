// bench/duckdb_report.mjs: the bench's DuckDB contender, done with
// DuckDB's own CSV reader and GROUP BY.  --full is the same report as
// `circleci-usage report --by project --format csv DIR`: every metric it
// sums, exact, one row per JOB_ID.  Without it, a lighter query: jobs and
// total credits only (with --dedup, one row per JOB_ID).
//
//   node bench/duckdb_report.mjs [--threads N] [--dedup|--full]
//       [--modules DIR] DIR
//
// DIR holds the export parts (*.csv.gz, at any depth).  --modules is the
// npm prefix where @duckdb/node-api is installed (bench/run.sh installs it
// into its cache, outside the repository); without it the usual module
// resolution applies.  --dedup keeps one row per JOB_ID (and drops rows
// without one) as circleci-usage does; without it every row counts.
//
// Every column is read as text (all_varchar) and TOTAL_CREDITS is cast to
// DECIMAL(18,9) with TRY_CAST: exact decimals, not doubles (sum() widens
// them to DECIMAL(38,9), 128 bits), and a malformed value counts as empty
// instead of failing the whole query.  This is the fastest exact form we
// found: typed columns (read_csv's types= or auto-detection) cost DuckDB
// ~1.7x, and casting to DECIMAL(38,9) per value ~4.5x, on 1M rows.
// The CSV goes to stdout; the time spent inside DuckDB (connect, query,
// fetch) to stderr as `duckdb_query_s=SECONDS`, after `duckdb_version=`.

import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function usage(msg) {
  process.stderr.write(`duckdb_report: ${msg}\n` +
    'usage: node bench/duckdb_report.mjs [--threads N] [--dedup|--full] ' +
    '[--modules DIR] DIR\n');
  process.exit(2);
}

let threads = 2;
let dedup = false;
let full = false;
let modules = null;
let dir = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--threads') {
    threads = Number.parseInt(argv[++i], 10);
    if (!(threads > 0)) usage('--threads wants a positive number');
  } else if (a === '--dedup') {
    dedup = true;
  } else if (a === '--full') {
    full = true;
  } else if (a === '--modules') {
    modules = argv[++i];
    if (!modules) usage('--modules wants a directory');
  } else if (a.startsWith('-')) {
    usage(`unknown option ${a}`);
  } else if (dir === null) {
    dir = a;
  } else {
    usage('one data directory only');
  }
}
if (dir === null) usage('no data directory');

// ESM ignores NODE_PATH: resolve the package from the npm prefix by hand.
let spec = '@duckdb/node-api';
if (modules) {
  const req = createRequire(join(resolve(modules), 'noop.js'));
  spec = pathToFileURL(req.resolve('@duckdb/node-api')).href;
}
const { DuckDBInstance } = await import(spec);

// SQL string literal
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const glob = join(resolve(dir), '**', '*.csv.gz');
const src = `read_csv(${lit(glob)}, header = true, all_varchar = true)`;
const credits = 'TRY_CAST(TOTAL_CREDITS AS DECIMAL(18, 9))';

// --full: the same report as circleci-usage's, every metric it sums
// (jobs, run seconds, each credit kind, total), exact, one row per JOB_ID.
const kinds = ['COMPUTE', 'DLC', 'USER', 'STORAGE', 'NETWORK', 'LEASE',
  'LEASE_OVERAGE', 'IPRANGES', 'TOTAL'];
const metricNames = ['jobs', 'run_seconds',
  ...kinds.map((k) => `${k.toLowerCase()}_credits`)];
const fullCols = [
  'TRY_CAST(JOB_RUN_SECONDS AS DECIMAL(18, 3)) AS run_seconds',
  ...kinds.map((k) =>
    `TRY_CAST(${k}_CREDITS AS DECIMAL(18, 9)) AS ${k.toLowerCase()}_credits`),
];
const fullSums = ['count(*) AS jobs',
  ...metricNames.slice(1).map((m) => `sum(${m}) AS ${m}`)];

let sql;
let outCols;
if (full) {
  sql = `SELECT project, ${fullSums.join(', ')}
     FROM (SELECT DISTINCT ON (JOB_ID)
                  PROJECT_NAME AS project, ${fullCols.join(', ')}
           FROM ${src}
           WHERE JOB_ID IS NOT NULL AND JOB_ID <> '')
     GROUP BY 1`;
  outCols = ['project', ...metricNames];
} else if (dedup) {
  sql = `SELECT project, count(*) AS jobs, sum(tc) AS total_credits
     FROM (SELECT DISTINCT ON (JOB_ID)
                  PROJECT_NAME AS project, ${credits} AS tc
           FROM ${src}
           WHERE JOB_ID IS NOT NULL AND JOB_ID <> '')
     GROUP BY 1`;
  outCols = ['project', 'jobs', 'total_credits'];
} else {
  sql = `SELECT PROJECT_NAME AS project, count(*) AS jobs,
            sum(${credits}) AS total_credits
     FROM ${src}
     GROUP BY 1`;
  outCols = ['project', 'jobs', 'total_credits'];
}

const t0 = process.hrtime.bigint();
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${threads}`);
// text out: decimals printed by DuckDB itself, no JS number in between
const reader = await con.runAndReadAll(
  `SELECT ${outCols.map((c) => `${c}::VARCHAR`).join(', ')}
   FROM (${sql}) ORDER BY 1`);
const rows = reader.getRows();
const [[version]] = (await con.runAndReadAll('SELECT version()')).getRows();
con.closeSync();
instance.closeSync();
const t1 = process.hrtime.bigint();

function field(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
let out = outCols.join(',') + '\n';
for (const r of rows) out += r.map(field).join(',') + '\n';
process.stdout.write(out);
process.stderr.write(`duckdb_version=${version}\n` +
  `duckdb_query_s=${(Number(t1 - t0) / 1e9).toFixed(3)}\n`);
