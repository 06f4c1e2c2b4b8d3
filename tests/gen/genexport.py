#!/usr/bin/env python3
"""genexport.py: write realistic CircleCI Usage API exports and their exact sums.

    genexport.py -o DIR [--rows N] [--parts K] [--seed S] [--truth FILE] ...

Writes DIR/part-000.csv.gz ... (or .csv with --plain), each part with its own
header row of the 48 Usage API columns (usage-api.md section 7), one row per
job run, and optionally a ground-truth JSON file.  The truth is summed from
the values as they are written (integers in units of 1e-6 credits), never by
reading the files back.  Python 3 standard library only.

Row counts: --rows N distinct, readable job runs are written (some of them may
carry a bad optional value, --bad-values); --dup-rows adds verbatim copies of
some of them and --bad-rows adds unreadable rows, so rows_read is
N + dup-rows + bad-rows.

Quoting: --quote minimal quotes a field holding a comma, double quote, CR,
LF or backslash (an unquoted backslash is an escape in this dialect); --quote
none never quotes and escapes those characters with a backslash.  No name is
ever exactly `\\N` (NULL, quoted or not).

Semantics the truth follows (those of the tool's reader):
  * NULL is `\\N` or the empty field, quoted or not; a NULL key is "".
  * A row is skipped (rows_skipped) when its field count differs from its
    header's, TOTAL_CREDITS is NULL or not a number, or JOB_ID is NULL.
  * JOB_RUN_DATE that is NULL or not a date skips the row only when the
    report needs the date (--by day/week/month); for other keys the row is
    counted with no date.  Top-level "rows_skipped"/"totals" describe the
    date-keyed view (every bad row skipped); "keyed" gives rows_skipped and
    totals for every --by key exactly; "bad_date_rows" counts such rows.
  * A bad value in an optional numeric column (credit kinds other than
    TOTAL_CREDITS, JOB_RUN_SECONDS) counts as 0; utilisation values are not
    summed.  A column missing from a part counts as 0/"" for its rows.
  * A JOB_ID seen before is a duplicate: counted once, reported in
    "duplicates".  "keep_duplicates" describes --keep-duplicates, where every
    copy counts and a NULL JOB_ID does not skip the row.

Truth JSON: rows_read, rows_skipped, duplicates, first_date, last_date
(null without dates), files, missing_columns {part file: [columns]}, totals,
by {key: [rows in report order]} for every --by key whose columns exist
(project ... month and "project,resource_class"), plus keyed {key:
{rows_skipped, totals}}, bad_date_rows, empty_id_rows, keep_duplicates
{rows_read, duplicates, first_date, last_date, keyed, by}, files_list and
options.  A row holds its key columns, then the metrics in report order:
jobs and run_seconds (rounded half up) as integers, credits as exact decimal
strings ("1234.5", "17", "0.05"), cost_usd and share_pct with 2 decimals.
"""

import argparse
import bisect
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import sys
import zlib
from decimal import Decimal, ROUND_HALF_UP

COLUMNS = (
    "ORGANIZATION_ID", "ORGANIZATION_NAME", "ORGANIZATION_CREATED_DATE",
    "PROJECT_ID", "PROJECT_NAME", "PROJECT_CREATED_DATE",
    "LAST_BUILD_FINISHED_AT", "VCS_NAME", "VCS_URL", "VCS_BRANCH",
    "PIPELINE_ID", "PIPELINE_CREATED_AT", "PIPELINE_NUMBER",
    "IS_UNREGISTERED_USER", "PIPELINE_TRIGGER_SOURCE",
    "PIPELINE_TRIGGER_USER_ID", "WORKFLOW_ID", "WORKFLOW_NAME",
    "WORKFLOW_FIRST_JOB_QUEUED_AT", "WORKFLOW_FIRST_JOB_STARTED_AT",
    "WORKFLOW_STOPPED_AT", "IS_WORKFLOW_SUCCESSFUL", "JOB_NAME", "JOB_ID",
    "JOB_RUN_NUMBER", "JOB_RUN_DATE", "JOB_RUN_QUEUED_AT",
    "JOB_RUN_STARTED_AT", "JOB_RUN_STOPPED_AT", "JOB_BUILD_STATUS",
    "RESOURCE_CLASS", "OPERATING_SYSTEM", "EXECUTOR", "PARALLELISM",
    "JOB_RUN_SECONDS", "MEDIAN_CPU_UTILIZATION_PCT",
    "MAX_CPU_UTILIZATION_PCT", "MEDIAN_RAM_UTILIZATION_PCT",
    "MAX_RAM_UTILIZATION_PCT", "COMPUTE_CREDITS", "DLC_CREDITS",
    "USER_CREDITS", "STORAGE_CREDITS", "NETWORK_CREDITS", "LEASE_CREDITS",
    "LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS", "TOTAL_CREDITS",
)
CI = {name: i for i, name in enumerate(COLUMNS)}
NCOL = len(COLUMNS)

# The credit kinds summed by the report, in its column order.
CREDIT_COLS = ("COMPUTE_CREDITS", "DLC_CREDITS", "USER_CREDITS",
               "STORAGE_CREDITS", "NETWORK_CREDITS", "LEASE_CREDITS",
               "LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS")
# Metric vector of a row: [run time in milliseconds, 8 credit kinds (in
# micro-credits), total]; an aggregate
# prepends the job count.  Index into the row vector:
M_SECS = 0
M_CREDIT = {c: 1 + i for i, c in enumerate(CREDIT_COLS)}
M_TOTAL = 9
METRIC_OF_COL = dict(M_CREDIT)
METRIC_OF_COL["JOB_RUN_SECONDS"] = M_SECS

METRICS = ("jobs", "run_seconds", "compute_credits", "dlc_credits",
           "user_credits", "storage_credits", "network_credits",
           "lease_credits", "lease_overage_credits", "ipranges_credits",
           "total_credits", "cost_usd", "share_pct")

SCALE = 10 ** 6                 # credits are summed in micro-credits
CREDIT_PRICE = Decimal("0.0006")

# --by keys and the columns each brings (report.c's key table).
KEYS = {
    "project": ("project",),
    "workflow": ("project", "workflow"),
    "job": ("project", "workflow", "job"),
    "branch": ("branch",),
    "resource_class": ("resource_class",),
    "executor": ("executor",),
    "os": ("os",),
    "status": ("status",),
    "org": ("org",),
    "trigger": ("trigger",),
    "user": ("user",),
    "day": ("day",),
    "week": ("week",),
    "month": ("month",),
    "project,resource_class": ("project", "resource_class"),
}
KEY_SOURCE = {
    "project": "PROJECT_NAME", "workflow": "WORKFLOW_NAME",
    "job": "JOB_NAME", "branch": "VCS_BRANCH",
    "resource_class": "RESOURCE_CLASS", "executor": "EXECUTOR",
    "os": "OPERATING_SYSTEM", "status": "JOB_BUILD_STATUS",
    "org": "ORGANIZATION_NAME", "trigger": "PIPELINE_TRIGGER_SOURCE",
    "user": "PIPELINE_TRIGGER_USER_ID", "day": "JOB_RUN_DATE",
    "week": "JOB_RUN_DATE", "month": "JOB_RUN_DATE",
}
TIME_COLS = ("day", "week", "month")
REQUIRED = ("JOB_ID", "TOTAL_CREDITS", "JOB_RUN_DATE")
KEY_COLUMNS = tuple(sorted(set(KEY_SOURCE.values())))
# Columns the trimming may drop: everything no key or the reader needs.
OPTIONAL = tuple(c for c in COLUMNS
                 if c not in KEY_COLUMNS and c not in REQUIRED)

# (executor, resource class) -> (credits per minute, operating system);
# rates from resource-classes.md (published or derived rates only).
RESOURCE_CLASSES = {
    ("docker", "small"): (5, "linux"),
    ("docker", "medium"): (10, "linux"),
    ("docker", "medium+"): (15, "linux"),
    ("docker", "large"): (20, "linux"),
    ("docker", "xlarge"): (40, "linux"),
    ("docker", "2xlarge"): (80, "linux"),
    ("docker", "2xlarge+"): (100, "linux"),
    ("docker", "xlarge.gen2"): (48, "linux"),
    ("docker", "arm.medium"): (13, "linux"),
    ("docker", "arm.large"): (26, "linux"),
    ("docker", "arm.xlarge"): (52, "linux"),
    ("machine", "medium"): (10, "linux"),
    ("machine", "large"): (20, "linux"),
    ("machine", "xlarge"): (40, "linux"),
    ("machine", "2xlarge"): (80, "linux"),
    ("machine", "arm.medium"): (10, "linux"),
    ("machine", "arm.large"): (20, "linux"),
    ("machine", "arm.xlarge"): (40, "linux"),
    ("machine", "gpu.nvidia.small"): (160, "linux"),
    ("machine", "gpu.nvidia.medium"): (240, "linux"),
    ("machine", "gpu.nvidia.large"): (1000, "linux"),
    ("windows", "windows.medium"): (40, "windows"),
    ("windows", "windows.large"): (120, "windows"),
    ("windows", "windows.xlarge"): (210, "windows"),
    ("windows", "windows.gpu.nvidia.medium"): (500, "windows"),
    ("macos", "m4pro.medium"): (200, "macos"),
    ("macos", "m4pro.large"): (400, "macos"),
    ("runner", "acme-corp/linux-runner"): (0, "linux"),
    ("runner", "acme-corp/macos-runner"): (0, "macos"),
}

STATUSES = ("success", "failed", "canceled", "timedout", "infrastructure_fail")
STATUS_CUM = (0.82, 0.93, 0.97, 0.985, 1.0)
TRIGGERS = ("webhook", "api", "scheduled_pipeline")

# Job recipes: workflow -> [(job, [(executor, class), ...], seconds,
# parallelism choices, docker layer caching)].  `when`: always, main, schedule.
D, M = "docker", "machine"
RECIPES = {
    "backend": [
        ("build-and-test", "always", [
            ("checkout-deps", [(D, "small"), (D, "medium")], 70, (1,), 0),
            ("lint", [(D, "medium"), (D, "small")], 90, (1,), 0),
            ("unit-tests", [(D, "large"), (D, "medium+"), (D, "xlarge")], 420, (1, 2, 4), 0),
            ("integration-tests", [(M, "medium"), (M, "large")], 780, (1, 2), 1),
            ("build-image", [(M, "large"), (D, "large")], 360, (1,), 1),
        ]),
        ("deploy", "main", [
            ("deploy-staging", [(D, "small")], 150, (1,), 0),
            ("smoke-tests", [(D, "medium")], 200, (1,), 0),
            ("deploy-production", [(D, "small")], 160, (1,), 0),
        ]),
        ("nightly", "schedule", [
            ("e2e-tests", [(D, "xlarge"), (D, "2xlarge")], 1500, (1, 2), 0),
            ("security-scan", [(D, "medium")], 320, (1,), 0),
        ]),
    ],
    "frontend": [
        ("ci", "always", [
            ("install", [(D, "medium")], 110, (1,), 0),
            ("lint", [(D, "small"), (D, "medium")], 75, (1,), 0),
            ("test", [(D, "medium+"), (D, "large")], 300, (1, 2, 3), 0),
            ("build", [(D, "large"), (D, "xlarge.gen2")], 240, (1,), 0),
            ("deploy-preview", [(D, "small")], 90, (1,), 0),
        ]),
        ("release", "main", [
            ("build-prod", [(D, "large")], 260, (1,), 0),
            ("deploy-cdn", [(D, "small")], 60, (1,), 0),
        ]),
        ("visual-regression", "schedule", [
            ("percy", [(D, "xlarge")], 900, (1, 2), 0),
        ]),
    ],
    "ios": [
        ("build-test", "always", [
            ("swiftlint", [(D, "small")], 45, (1,), 0),
            ("build-ios", [("macos", "m4pro.medium")], 840, (1,), 0),
            ("test-ios", [("macos", "m4pro.medium"), ("macos", "m4pro.large")], 1100, (1, 2), 0),
        ]),
        ("release", "main", [
            ("testflight", [("macos", "m4pro.medium")], 1300, (1,), 0),
            ("upload-dsyms", [(D, "small")], 80, (1,), 0),
        ]),
        ("nightly-ui-tests", "schedule", [
            ("ui-tests", [("macos", "m4pro.large"), ("runner", "acme-corp/macos-runner")], 2400, (1, 2), 0),
        ]),
    ],
    "android": [
        ("build-test", "always", [
            ("assemble", [(D, "large"), (D, "xlarge")], 620, (1,), 0),
            ("unit-test", [(D, "xlarge"), (D, "large")], 540, (1, 2), 0),
            ("instrumented-tests", [(M, "large"), (M, "xlarge")], 1250, (1, 2, 4), 0),
        ]),
        ("release", "main", [
            ("bundle-release", [(D, "xlarge")], 700, (1,), 0),
            ("play-store-upload", [(D, "small")], 120, (1,), 0),
        ]),
    ],
    "windows": [
        ("build", "always", [
            ("build-win", [("windows", "windows.medium")], 720, (1,), 0),
            ("test-win", [("windows", "windows.large"), ("windows", "windows.medium")], 950, (1, 2), 0),
            ("package-msi", [("windows", "windows.medium")], 400, (1,), 0),
        ]),
        ("nightly", "schedule", [
            ("perf-tests", [("windows", "windows.xlarge")], 1800, (1,), 0),
            ("gpu-render-tests", [("windows", "windows.gpu.nvidia.medium")], 600, (1,), 0),
        ]),
    ],
    "ml": [
        ("ci", "always", [
            ("lint", [(D, "small")], 60, (1,), 0),
            ("unit", [(D, "large"), (D, "xlarge")], 480, (1, 2), 0),
            ("gpu-tests", [(M, "gpu.nvidia.small"), (M, "gpu.nvidia.medium")], 900, (1,), 0),
        ]),
        ("train", "main", [
            ("train-smoke", [(M, "gpu.nvidia.medium")], 1500, (1,), 0),
            ("push-model", [(D, "medium")], 180, (1,), 0),
        ]),
        ("benchmark", "schedule", [
            ("benchmark-v100", [(M, "gpu.nvidia.large")], 2100, (1,), 0),
        ]),
    ],
    "infra": [
        ("plan", "always", [
            ("tflint", [(D, "small")], 40, (1,), 0),
            ("terraform-plan", [(D, "small"), (D, "medium")], 210, (1,), 0),
        ]),
        ("apply", "main", [
            ("terraform-apply", [(D, "small")], 320, (1,), 0),
            ("runner-deploy", [("runner", "acme-corp/linux-runner")], 400, (1,), 0),
        ]),
        ("drift-check", "schedule", [
            ("drift", [(D, "small")], 180, (1,), 0),
        ]),
    ],
    "arm": [
        ("multiarch", "always", [
            ("build-amd64", [(D, "large")], 380, (1,), 1),
            ("build-arm64", [(D, "arm.medium"), (D, "arm.large")], 450, (1,), 0),
            ("test-arm64", [(M, "arm.large"), (M, "arm.medium"), (M, "arm.xlarge")], 600, (1, 2), 1),
            ("publish-manifest", [(M, "medium")], 150, (1,), 1),
        ]),
    ],
    "docs": [
        ("docs", "always", [
            ("build-docs", [(D, "small"), (D, "medium")], 150, (1,), 0),
            ("link-check", [(D, "small")], 95, (1,), 0),
        ]),
        ("publish", "main", [
            ("deploy-docs", [(D, "small")], 70, (1,), 0),
        ]),
    ],
    "data": [
        ("ci", "always", [
            ("dbt-compile", [(D, "medium")], 140, (1,), 0),
            ("spark-tests", [(D, "2xlarge"), (D, "xlarge")], 900, (1, 2), 0),
            ("dag-check", [(D, "medium+")], 200, (1,), 0),
        ]),
        ("backfill", "schedule", [
            ("backfill", [(D, "2xlarge+"), (M, "2xlarge")], 2700, (1,), 0),
        ]),
    ],
}

PROJECT_CATALOG = (
    ("api-gateway", "backend"), ("web-app", "frontend"),
    ("billing-service", "backend"), ("auth-service", "backend"),
    ("mobile-ios", "ios"), ("android-app", "android"),
    ("data-pipeline", "data"), ("infra-terraform", "infra"),
    ("docs-site", "docs"), ("search-indexer", "backend"),
    ("payments-api", "backend"), ("notification-service", "backend"),
    ("admin-dashboard", "frontend"), ("design-system", "frontend"),
    ("ml-recommender", "ml"), ("image-resizer", "backend"),
    ("desktop-client", "windows"), ("cli-tools", "arm"),
    ("edge-proxy", "arm"), ("analytics-etl", "data"),
    ("user-profile", "backend"), ("checkout-frontend", "frontend"),
    ("marketing-site", "docs"), ("k8s-manifests", "infra"),
    ("helm-charts", "infra"), ("feature-flags", "backend"),
    ("inventory-service", "backend"), ("order-service", "backend"),
    ("shipping-service", "backend"), ("fraud-model", "ml"),
    ("react-native-app", "ios"), ("sdk-python", "backend"),
    ("sdk-go", "backend"), ("sdk-js", "frontend"), ("sdk-java", "backend"),
    ("terraform-modules", "infra"), ("e2e-tests", "frontend"),
    ("load-tests", "backend"), ("chat-service", "backend"),
    ("video-transcoder", "ml"), ("graphql-server", "backend"),
    ("legacy-monolith", "backend"), ("reporting-service", "data"),
    ("warehouse-dbt", "data"), ("game-client", "windows"),
    ("firmware-arm", "arm"), ("raspberry-agent", "arm"),
    ("status-page", "docs"), ("blog", "docs"),
    ("email-templates", "frontend"), ("pdf-renderer", "backend"),
    ("geo-service", "backend"), ("translations", "docs"),
    ("security-scanner", "infra"), ("ci-images", "infra"),
    ("acme/platform-core", "backend"), ("acme/shared-libs", "backend"),
    ("mono/packages-ui", "frontend"), ("ios-widgets", "ios"),
    ("windows-installer", "windows"), ("gpu-inference", "ml"),
    ("wearables-android", "android"), ("tv-app", "android"),
)

FEATURE_WORDS = ("login", "cache", "retry", "metrics", "dark-mode", "search",
                 "checkout", "upgrade-deps", "flaky-test", "timeouts", "i18n",
                 "perf", "cleanup", "oauth", "webhooks", "pagination", "csv")

TRICKY_PROJECTS = ("web, app", 'say "hi" service', "multi\nline-repo",
                   "back\\slash\\repo", " padded-project ", "caf\u00e9-\u00e9",
                   "\u65e5\u672c-\u30b5\u30fc\u30d3\u30b9",
                   "\U0001F680-rocket-launcher", "=cmd()", "NULL",
                   "trailing-cr\r", "tab\tname", '"leading-quote',
                   "crlf\r\ninside", "esc\x1b[31mape")
TRICKY_WORKFLOWS = ("build, test & deploy", 'wf "quoted"', "wf\\back",
                    " spaced wf ", "d\u00e9ploiement")
TRICKY_JOBS = ("test (shard 1, 2)", 'lint "strict"', "job\nnewline",
               "job\\win\\path", "=SUM(A1:A2)", "\\N-ish", "N",
               "\u30c6\u30b9\u30c8", "\U0001F9EA-tests", " lead-space",
               "ends-with\\")
TRICKY_BRANCHES = ("feature/comma,branch", 'fix/"quote"',
                   "feat/\u00fcber-\u00f1", "feature/emoji-\U0001F389",
                   " space-branch", "back\\slash-branch")

BAD_ROW_KINDS = ("fields", "total_empty", "total_nan", "id_empty",
                 "date_bad", "date_empty", "fields_extra")
BAD_TOTALS = ("abc", "12..5", "1.2.3", "$5.00", "n/a")
BAD_DATES = ("2026-13-01", "2026-02-30", "yesterday", "10/01/2026",
             "2026-10-1", "20261001")
BAD_VALUE_COLS = ("DLC_CREDITS", "COMPUTE_CREDITS", "JOB_RUN_SECONDS",
                  "MEDIAN_CPU_UTILIZATION_PCT", "NETWORK_CREDITS",
                  "STORAGE_CREDITS", "USER_CREDITS", "LEASE_CREDITS",
                  "LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS",
                  "MAX_RAM_UTILIZATION_PCT")
BAD_VALUES = ("x1", "abc", "1.2.3", "N/A", "--5", "12a")
EXTRA_COLUMNS = ("EXTRA_NOTE", "X_FUTURE", "RUNNER_POOL")
EXTRA_VALUES = ("", "note", "a, b", 'say "x"', "plain", "v2", "line\nbreak")

DAY_MS = 86400000


# ---------------------------------------------------------------- helpers

def rand_uuid(rng):
    r = rng.getrandbits(128)
    h = "%032x" % ((r & ~(0xf << 76) & ~(0x3 << 62)) | (4 << 76) | (2 << 62))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


# --history-ids: the job runs' own JOB_IDs (kind 0) in kind 3's space, so
# that an export of earlier days made with the same seed (the same
# projects, mix and level) shares no JOB_ID with this one
RUN_ID_KIND = 0


def job_uuid(rng, part, kind, n):
    """A JOB_ID unique by construction: (part, kind, counter) are encoded."""
    if kind == 0:
        kind = RUN_ID_KIND
    r = rng.getrandbits(60)
    p = (part * 0x9e3 + 0x5a1) & 0xfff          # bijective on 12 bits
    x = (n * 0x9E3779B97F4B + 0x632BE59BD9B4) & 0xffffffffffff  # on 48
    return "%08x-%04x-4%03x-%x%03x-%012x" % (
        r >> 28, (r >> 12) & 0xffff, p, 8 + kind, r & 0xfff, x)


def units_str(u, places=0):
    """Micro-credits as a decimal string: trailing zeros dropped, unless
    `places` asks for that many decimals."""
    neg = u < 0
    u = -u if neg else u
    whole, frac = divmod(u, SCALE)
    f = ("%06d" % frac).rstrip("0")
    if places > len(f):
        f = f + "0" * (places - len(f))
    s = "%d.%s" % (whole, f) if f else "%d" % whole
    return "-" + s if neg else s


def round_units(u, places):
    q = 10 ** (6 - places)
    return (u + q // 2) // q * q


class Cum:
    """Weighted choice by cumulative weights."""
    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = []
        t = 0.0
        for w in weights:
            t += w
            self.cum.append(t)
        self.total = t

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum,
                                              rng.random() * self.total)
                          if self.total else 0]


# ---------------------------------------------------------------- the world

WIDE_WORDS = ("billing", "dashboard", "migration", "payments", "gateway",
              "notifications", "onboarding", "permissions", "analytics",
              "reporting", "scheduler", "importer", "exporter", "profile",
              "settings", "inventory", "catalog", "shipping", "invoices")
WIDE_SUITES = ("unit-tests", "integration-tests", "e2e", "contract-tests",
               "browser-tests", "api-tests", "perf-tests", "lint", "build",
               "package", "publish", "deploy", "smoke-tests", "migrations")
WIDE_AXES = ("node 18", "node 20", "node 22", "python 3.11", "python 3.12",
             "go 1.22", "ruby 3.3", "jdk 17", "jdk 21", "postgres 15",
             "mysql 8", "redis 7", "linux", "arm64", "windows", "macos")


def wide_branch(rng, i):
    """A long branch name; one in 20 has a comma or doubled quotes."""
    words = "-".join(rng.choice(WIDE_WORDS) for _ in range(rng.randint(3, 7)))
    b = "%s/%s-%d-%s" % (rng.choice(("feature", "fix", "chore", "refactor",
                                      "release", "hotfix", "spike")),
                         rng.choice(("PLAT", "CORE", "WEB", "MOB", "DATA")),
                         rng.randint(100, 99999), words)
    r = rng.random()
    if r < 0.03:
        b += ", part %d" % (i % 7 + 1)
    elif r < 0.05:
        b += '-"%s"' % rng.choice(WIDE_WORDS)
    return b


def wide_project(rng, P, templates, rank, all_jobs):
    """--wide: 30 workflows of 10 jobs each, long names, some with commas
    and quotes; a pipeline runs the first two and about one in ten of the
    rest ("pick"); 10 to 30 long branches."""
    wfs = []
    for w in range(30):
        suite = rng.choice(WIDE_SUITES)
        wf_name = "%s-%s-%d" % (suite, rng.choice(WIDE_WORDS), w)
        if rng.random() < 0.1:
            wf_name += " (nightly, \"full\")"
        tids = []
        for k in range(10):
            _, choices, secs, pars, dlc = rng.choice(all_jobs)
            job = "%s / shard %d of 10 (%s, %s)" % (
                rng.choice(WIDE_SUITES), k + 1, rng.choice(WIDE_AXES),
                rng.choice(WIDE_AXES))
            if rng.random() < 0.05:
                job += ' "%s"' % rng.choice(WIDE_WORDS)
            executor, rc = choices[0] if rng.random() < 0.6 else \
                rng.choice(choices)
            rate, osname = RESOURCE_CLASSES[(executor, rc)]
            tids.append(len(templates))
            templates.append((rank, wf_name, job, executor, rc, osname,
                              rate, secs * rng.uniform(0.6, 1.6), pars,
                              dlc and rng.random() < 0.5))
        wfs.append((wf_name, "always" if w < 2 else "pick", tids))
    P["wfs"] = wfs


def build_world(seed, tricky, start, days, wide=False):
    """Projects, workflows, jobs, branches, users: the same for every part."""
    rng = random.Random("%s:world" % seed)
    W = {}
    W["start_ms"] = start.toordinal() * DAY_MS
    W["end_ms"] = (start.toordinal() + days) * DAY_MS
    W["days"] = days
    W["start_ord"] = start.toordinal()

    orgs = [("acme-corp", rand_uuid(rng)), ("acme-labs", rand_uuid(rng)),
            ("acme-mobile", rand_uuid(rng))]
    if tricky:
        orgs.append(("Acme, Inc. \"EU\"", rand_uuid(rng)))
    W["orgs"] = [(name, oid, fmt_date_ord(start.toordinal() -
                                         rng.randrange(400, 3000)))
                 for name, oid in orgs]

    users = [rand_uuid(rng) for _ in range(48)]
    W["users"] = users

    catalog = list(PROJECT_CATALOG)
    rng.shuffle(catalog)
    nproj = rng.randint(30, min(60, len(catalog)))
    catalog = catalog[:nproj]
    if tricky:
        # tricky names on well-used ranks so small exports show them
        for i, name in enumerate(TRICKY_PROJECTS):
            rank = 1 + 2 * i
            if rank < nproj:
                catalog[rank] = (name, catalog[rank][1])

    branches = []          # global branch table
    branch_idx = {}

    def bid(name):
        if name not in branch_idx:
            branch_idx[name] = len(branches)
            branches.append(name)
        return branch_idx[name]

    templates = []
    projects = []
    all_jobs = [j for r in RECIPES.values() for _, _, js in r for j in js]
    trick_wf = list(TRICKY_WORKFLOWS) if tricky else []
    trick_job = list(TRICKY_JOBS) if tricky else []
    trick_br = list(TRICKY_BRANCHES) if tricky else []
    for rank, (name, kind) in enumerate(catalog):
        p = {}
        p["name"] = name
        p["org"] = 0 if rng.random() < 0.75 else rng.randrange(1, len(orgs))
        if tricky and rank == 4:
            p["org"] = len(orgs) - 1
        p["id"] = rand_uuid(rng)
        vcs = rng.choices(("github", "bitbucket", "circleci"), (8, 1, 1))[0]
        p["vcs"] = vcs
        slug = orgs[p["org"]][0]
        if vcs == "github":
            p["url"] = "https://github.com/%s/%s" % (slug, name)
        elif vcs == "bitbucket":
            p["url"] = "https://bitbucket.org/%s/%s" % (slug, name)
        else:
            p["url"] = None
        p["created"] = fmt_date_ord(start.toordinal() -
                                    rng.randrange(30, 2000))
        p["last_build_ms"] = W["end_ms"] + rng.randrange(0, 2 * DAY_MS)
        main = "main" if rng.random() < 0.85 else "master"
        brs = [main]
        for _ in range(rng.randint(3, 12) if not wide else 0):
            pre = rng.choice(("feature/", "fix/", "chore/", "dependabot/npm_and_yarn/",
                              "renovate/", "release/", ""))
            if pre == "release/":
                b = "release/2026.%d" % rng.randint(1, 12)
            elif pre.startswith("dependabot"):
                b = pre + rng.choice(("lodash", "axios", "react", "jest")) + \
                    "-%d.%d.%d" % (rng.randint(1, 20), rng.randint(0, 9),
                                   rng.randint(0, 30))
            elif pre == "":
                b = "%s-%d" % (rng.choice(("alice", "bob", "carol", "dave")),
                               rng.randint(1, 999))
            else:
                b = pre + "%s-%d" % (rng.choice(FEATURE_WORDS),
                                     rng.randint(1, 9999))
            brs.append(b)
        if wide:
            brs += [wide_branch(rng, i) for i in range(rng.randint(10, 30))]
        if trick_br and rank % 3 == 0:
            brs.insert(1, trick_br.pop(0))
        p["main"] = bid(main)
        p["branches"] = Cum([bid(b) for b in brs[1:]],
                            [1.0 / (i + 1) for i in range(len(brs) - 1)])
        contributors = rng.sample(range(len(users)), rng.randint(3, 15))
        p["users"] = Cum(contributors,
                         [1.0 / (i + 1) ** 0.8 for i in range(len(contributors))])
        p["ipranges"] = rng.random() < 0.08
        p["wfs"] = []
        for wf_name, when, jobs in RECIPES[kind]:
            if when != "always" and rng.random() < 0.3:
                continue
            if trick_wf and rng.random() < 0.5:
                wf_name = trick_wf.pop(0)
            tids = []
            for job, choices, secs, pars, dlc in jobs:
                if len(tids) > 0 and rng.random() < 0.15:
                    continue        # not every project runs every job
                if trick_job and rng.random() < 0.4:
                    job = trick_job.pop(0)
                executor, rc = choices[0] if rng.random() < 0.6 else \
                    rng.choice(choices)
                rate, osname = RESOURCE_CLASSES[(executor, rc)]
                tids.append(len(templates))
                templates.append((rank, wf_name, job, executor, rc, osname,
                                  rate, secs * rng.uniform(0.6, 1.6), pars,
                                  dlc and rng.random() < 0.5))
            p["wfs"].append((wf_name, when, tids))
        if wide:
            wide_project(rng, p, templates, rank, all_jobs)
        projects.append(p)
    W["projects"] = projects
    W["templates"] = templates
    W["branches"] = branches
    W["proj_cum"] = Cum(range(nproj),
                        [1.0 / (r + 1) ** 1.1 for r in range(nproj)])
    # busier on weekdays and during working hours (UTC)
    dw = []
    for d in range(days):
        wd = dt.date.fromordinal(start.toordinal() + d).weekday()
        dw.append(0.25 if wd >= 5 else 1.0)
    W["day_cum"] = Cum(range(days), dw)
    hw = [0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.5, 0.8, 1.0, 1.0, 1.0, 1.0,
          0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2]
    W["hour_cum"] = Cum(range(24), hw)
    return W


def fmt_date_ord(o):
    return dt.date.fromordinal(o).isoformat()


# ---------------------------------------------------------------- rows

class Fmt:
    """How one run writes timestamps, booleans and credits."""

    def __init__(self, ts, bools):
        self.tsep = "T" if ts == "iso" else " "
        self.tz = "Z" if ts == "iso" else ""
        self.bools = bools
        self.days = {}

    def date(self, dord):
        s = self.days.get(dord)
        if s is None:
            s = self.days[dord] = fmt_date_ord(dord)
        return s

    def ts(self, ms):
        d, r = divmod(ms, DAY_MS)
        h, r = divmod(r, 3600000)
        m, r = divmod(r, 60000)
        s, f = divmod(r, 1000)
        return "%s%s%02d:%02d:%02d.%03d%s" % (self.date(d), self.tsep, h, m,
                                              s, f, self.tz)

    def boolean(self, rng, b):
        mode = self.bools
        if mode == "yn":
            v = "Y" if b else "N"
            return v.lower() if rng.random() < 0.1 else v
        if mode == "10":
            return "1" if b else "0"
        v = "true" if b else "false"
        r = rng.random()
        if r < 0.05:
            return v.upper()
        if r < 0.1:
            return v.capitalize()
        return v


def credit_text(rng, u, places, null_ok=False):
    if u == 0:
        r = rng.random()
        if null_ok and r < 0.5:
            return None
        if r > 0.97:
            return "0.0"
        if r > 0.95:
            return "0.000000"
        return "0"
    r = rng.random()
    if r < 0.08:
        return units_str(u, places)     # trailing zeros kept
    if r < 0.1 and u < 1000:
        # a tiny value as a float column may print it: 4.2e-05
        m = "{:e}".format(Decimal(u).scaleb(-6).normalize())
        return m if rng.random() < 0.5 else m.upper()
    return units_str(u)


class PartState:
    def __init__(self, part):
        self.part = part
        self.jobs = 0
        self.pipes = 0
        self.retry_rng = None       # --job-reruns: their own draws


def make_pipeline(rng, W, F, st):
    """One pipeline's job rows: [(vals, metrics, k1, k2)] where vals are the
    48 raw values (None is NULL), metrics [secs, 8 credit kinds, total] in
    micro-credits, k1 = (template, day offset, status), k2 = (branch, user,
    trigger) with -1 for NULL."""
    pi = W["proj_cum"].pick(rng)
    P = W["projects"][pi]
    org_name, org_id, org_created = W["orgs"][P["org"]]
    r = rng.random()
    trig = 0 if r < 0.8 else (1 if r < 0.9 else 2)
    day = W["day_cum"].pick(rng)
    if trig == 2:
        branch = P["main"]
        user = -1 if rng.random() < 0.7 else P["users"].pick(rng)
        t0 = W["start_ms"] + day * DAY_MS + 2 * 3600000 + \
            rng.randrange(0, 1800000)
    else:
        if rng.random() < 0.45 or not P["branches"].items:
            branch = P["main"]
        else:
            branch = P["branches"].pick(rng)
        if trig == 1 and rng.random() < 0.15:
            branch = -1             # a tag pipeline: no branch
        user = P["users"].pick(rng)
        t0 = W["start_ms"] + day * DAY_MS + \
            W["hour_cum"].pick(rng) * 3600000 + rng.randrange(0, 3600000)
    is_main = branch == P["main"]
    wfs = []
    for wf in P["wfs"]:
        when = wf[1]
        if trig == 2:
            if when == "schedule":
                wfs.append(wf)
        elif when == "always" or (when == "main" and is_main):
            wfs.append(wf)
        elif when == "pick" and rng.random() < 0.1:
            wfs.append(wf)
    if not wfs:
        wfs = [P["wfs"][0]]
    st.pipes += 1
    pipe_id = rand_uuid(rng)
    pipe_num = str(1000 + st.part * 100000 + st.pipes)
    unreg = F.boolean(rng, rng.random() < 0.02)
    created = F.ts(t0)
    branch_s = W["branches"][branch] if branch >= 0 else None
    user_s = W["users"][user] if user >= 0 else None
    last_build = F.ts(P["last_build_ms"])
    end_ms = W["end_ms"]
    start_ord = W["start_ord"]
    out = []
    for wf_name, when, tids in wfs:
        runs = 1
        run = 0
        wf_t = t0 + rng.randrange(500, 8000)
        while run < runs:
            run += 1
            wf_id = rand_uuid(rng)
            t = wf_t
            rows = []
            ok = True
            for ti in tids:
                T = W["templates"][ti]
                q = t + rng.randrange(200, 20000)
                s0 = q + rng.randrange(300, 45000)
                x = rng.random()
                si = 0
                while x > STATUS_CUM[si]:
                    si += 1
                base = T[7] * rng.lognormvariate(0, 0.35)
                if si == 0:
                    secs = int(base) + 1
                elif si == 1:
                    secs = int(base * rng.uniform(0.1, 1.0)) + 1
                elif si == 2:
                    secs = int(base * rng.uniform(0.02, 0.8)) + 1
                elif si == 3:
                    secs = int(max(base * 2.5, 600))
                else:
                    secs = rng.randint(1, 40)
                stop = s0 + secs * 1000 + rng.randrange(0, 1000)
                if si:
                    ok = False
                if s0 < end_ms:
                    rows.append((T, ti, q, s0, stop, si, secs))
                rr = st.retry_rng
                if si and rr is not None and rr.random() < 0.5:
                    # --job-reruns: "rerun job" in the same workflow (the
                    # same WORKFLOW_ID), later; drawn from its own rng so
                    # that without the option nothing changes
                    q2 = stop + rr.randrange(30000, 1800000)
                    s2 = q2 + rr.randrange(300, 45000)
                    si2 = 0 if rr.random() < 0.8 else 1
                    secs2 = int(base * (1 if si2 == 0 else
                                        rr.uniform(0.1, 1.0))) + 1
                    if s2 < end_ms:
                        rows.append((T, ti, q2, s2, s2 + secs2 * 1000 +
                                     rr.randrange(0, 1000), si2, secs2))
                if si and rng.random() < 0.7:
                    break           # downstream jobs never run
                if rng.random() < 0.55:
                    t = stop        # the next job waits for this one
            if not rows:
                break
            wf_q = min(r_[2] for r_ in rows)
            wf_s = min(r_[3] for r_ in rows)
            wf_e = max(r_[4] for r_ in rows)
            wf_ok = F.boolean(rng, ok)
            for T, ti, q, s0, stop, si, secs in rows:
                executor, rc, osname, rate = T[3], T[4], T[5], T[6]
                par = rng.choice(T[8])
                # seconds in thousandths: a few rows have a fraction
                ms = secs * 1000
                secs_s = str(secs)
                if rng.random() < 0.03:
                    ms += rng.randrange(1, 1000)
                    secs_s = ("%d.%03d" % divmod(ms, 1000)).rstrip("0")
                comp = (rate * ms * par * SCALE * 2 + 60000) // 120000
                places = rng.choice((2, 2, 3, 4, 5, 6, 6))
                comp = round_units(comp, places)
                dlc = rng.randrange(1, 300) * 10000 if T[9] and \
                    rng.random() < 0.6 else 0
                ucr = rng.choice((10, 25, 50)) * SCALE \
                    if rng.random() < 0.003 else 0
                sto = int(10 ** rng.uniform(0, 5.7)) \
                    if rng.random() < 0.06 else 0
                net = int(10 ** rng.uniform(0, 5.3)) \
                    if rng.random() < 0.12 else 0
                lea = rng.randrange(1, 1000) * 10000 \
                    if rng.random() < 0.002 else 0
                leo = rng.randrange(1, 500) * 1000 \
                    if rng.random() < 0.001 else 0
                ipr = rng.randrange(1, 5000) * 100 if P["ipranges"] else 0
                tot = comp + dlc + ucr + sto + net + lea + leo + ipr
                if secs < 15 or rng.random() < 0.08:
                    util = (None, None, None, None)
                else:
                    mc = rng.uniform(3, 90)
                    mr = rng.uniform(5, 85)
                    util = ("%.1f" % mc, "%.1f" % min(100.0, mc * rng.uniform(1, 1.8)),
                            "%d" % mr, "%.2f" % min(100.0, mr * rng.uniform(1, 1.3)))
                    case = W.get("rs_case", {}).get(ti)
                    if case is not None:
                        util = RS_UTIL[case]
                st.jobs += 1
                dord = s0 // DAY_MS
                vals = [
                    org_id, org_name, org_created, P["id"], P["name"],
                    P["created"], last_build, P["vcs"], P["url"], branch_s,
                    pipe_id, created, pipe_num, unreg, TRIGGERS[trig], user_s,
                    wf_id, wf_name, F.ts(wf_q), F.ts(wf_s), F.ts(wf_e), wf_ok,
                    T[2], job_uuid(rng, st.part, 0, st.jobs),
                    str(50000 + st.part * 1000000 + st.jobs), F.date(dord),
                    F.ts(q), F.ts(s0), F.ts(stop), STATUSES[si], rc, osname,
                    executor, str(par), secs_s, util[0], util[1], util[2],
                    util[3],
                    credit_text(rng, comp, places),
                    credit_text(rng, dlc, 2),
                    credit_text(rng, ucr, 0),
                    credit_text(rng, sto, 6),
                    credit_text(rng, net, 6),
                    credit_text(rng, lea, 2, True),
                    credit_text(rng, leo, 3, True),
                    credit_text(rng, ipr, 4, True),
                    credit_text(rng, tot, 6),
                ]
                m = [ms, comp, dlc, ucr, sto, net, lea, leo, ipr, tot]
                out.append((vals, m, (ti, dord - start_ord, si),
                            (branch, user, trig)))
            if not ok and rng.random() < 0.08 and runs < 3:
                runs += 1           # "rerun workflow from failed"
                wf_t = wf_e + rng.randrange(60000, 3600000)
    return out


# ---------------------------------------------------------------- encoding

class Encoder:
    def __init__(self, quote, null):
        self.quote = quote
        self.null_raw = "\\N" if null == "N" else ""
        self.cache = {}
        if quote == "all":
            self.pre, self.sep, self.post = '"', '","', '"'
        else:
            self.pre, self.sep, self.post = "", ",", ""

    def text(self, v):
        """A text value, ready to be joined (quoted in 'all' by the join)."""
        e = self.cache.get(v)
        if e is not None:
            return e
        if self.quote == "all":
            e = v.replace('"', '""')
        elif self.quote == "minimal":
            if any(c in v for c in ',"\r\n\\'):
                e = '"' + v.replace('"', '""') + '"'
            else:
                e = v
        else:
            e = (v.replace("\\", "\\\\").replace(",", "\\,")
                 .replace('"', '\\"').replace("\n", "\\\n")
                 .replace("\r", "\\\r"))
        if len(self.cache) < 100000:
            self.cache[v] = e
        return e

    def header(self, names):
        if self.quote == "none":
            return ",".join(self.text(n) for n in names)
        return ",".join('"' + n.replace('"', '""') + '"' for n in names)


TEXT_COLS = tuple(CI[c] for c in ("ORGANIZATION_NAME", "PROJECT_NAME",
                                  "VCS_URL", "VCS_BRANCH", "WORKFLOW_NAME",
                                  "JOB_NAME"))


# ---------------------------------------------------------------- one part

def add(d, k, m):
    a = d.get(k)
    if a is None:
        d[k] = [1] + m
    else:
        a[0] += 1
        a[1] += m[0]
        a[2] += m[1]
        a[3] += m[2]
        a[4] += m[3]
        a[5] += m[4]
        a[6] += m[5]
        a[7] += m[6]
        a[8] += m[7]
        a[9] += m[8]
        a[10] += m[9]


def special_row(W, F, seed, s):
    """The s-th duplicated job run: the same in whichever part writes it."""
    rng = random.Random("%s:dup:%d" % (seed, s))
    st = PartState(0xfff)
    while True:
        rows = make_pipeline(rng, W, F, st)
        if rows:
            vals, m, k1, k2 = rows[0]
            vals = list(vals)
            vals[CI["JOB_ID"]] = job_uuid(rng, 0, 1, s)
            return vals, list(m), k1, k2


def gen_part(task):
    (W, o, part, layout, n_normal, events, badval_cols) = task
    seed = o["seed"]
    rng = random.Random("%s:part:%d" % (seed, part))
    F = Fmt(o["ts"], o["bools"])
    E = Encoder(o["quote"], o["null"])
    st = PartState(part)
    if o.get("job_reruns"):
        st.retry_rng = random.Random("%s:reruns:%d" % (seed, part))
    perm = layout["perm"]               # value indices, extras >= NCOL
    present = set(layout["present"])
    # the retry cost's truth (failures): a part without PIPELINE_ID, or
    # with no time and no run number, has no retries.  Runs of one key are
    # in one part, and every order the tool may use (start, queued, run
    # number) agrees with the order they were made in (the run number).
    retry_ok = CI["PIPELINE_ID"] in present and any(
        CI[c] in present for c in ("JOB_RUN_STARTED_AT",
                                   "JOB_RUN_QUEUED_AT", "JOB_RUN_NUMBER"))
    retry_runs = {}     # key -> [(number, status, template, credits)]

    def note_retry(vals, k1, c):
        if not retry_ok:
            return
        key = (vals[CI["PROJECT_NAME"]], vals[CI["PIPELINE_ID"]],
               vals[CI["WORKFLOW_NAME"]], vals[CI["JOB_NAME"]])
        retry_runs.setdefault(key, []).append(
            (int(vals[CI["JOB_RUN_NUMBER"]]), STATUSES[k1[2]], k1[0], c[9]))

    nfields = len(perm)
    zero = [METRIC_OF_COL[c] for c in METRIC_OF_COL if CI[c] not in present]
    dated = CI["JOB_RUN_DATE"] in present
    nextra = layout["nextra"]
    eol = "\r\n" if o["crlf"] else "\n"
    null = E.null_raw
    pre, sep, post = E.pre, E.sep, E.post
    text = E.text

    base1, base2 = {}, {}
    dup1, dup2 = {}, {}
    eid1, eid2 = {}, {}
    stats = {"rows_read": 0, "bad_rows": 0, "bad_date_rows": 0,
             "empty_id_rows": 0, "duplicates": 0}

    path = os.path.join(o["out"], layout["name"])
    fh = open(path, "wb")
    comp = None if o["plain"] else zlib.compressobj(6, zlib.DEFLATED, 31)
    lines = []
    # --multi-member: a new gzip member every 50..1000 rows
    mrng = random.Random("%s:members:%d" % (seed, part))
    chunk_rows = mrng.randint(20, max(20, min(1000, n_normal // 2))) \
        if o["multi_member"] else 5000
    nlines = [0]

    def flush(final=False):
        nonlocal comp
        data = "".join(lines).encode("utf-8")
        lines.clear()
        if comp is None:
            fh.write(data)
            return
        if o["multi_member"]:
            nonlocal chunk_rows
            c = zlib.compressobj(6, zlib.DEFLATED, 31)
            fh.write(c.compress(data) + c.flush())
            chunk_rows = mrng.randint(50, 1000)
        else:
            fh.write(comp.compress(data))
            if final:
                fh.write(comp.flush())

    head = ("\ufeff" if o["bom"] else "") + E.header(layout["header"]) + eol
    lines.append(head)

    def add1(d, k1, m):
        add(d, k1 if dated else (k1[0], None, k1[2]), m)

    def contribution(m):
        if zero:
            m = list(m)
            for i in zero:
                m[i] = 0
        return m

    def encode(vals, extra_rng):
        out = [null if v is None else v for v in vals]
        for i in TEXT_COLS:
            v = vals[i]
            if v is not None:
                out[i] = text(v)
        for _ in range(nextra):
            v = extra_rng.choice(EXTRA_VALUES)
            out.append(text(v) if v else null)
        return out

    def emit(fields):
        lines.append(pre + sep.join(fields) + post + eol)
        stats["rows_read"] += 1
        nlines[0] += 1
        if nlines[0] >= chunk_rows:
            flush()
            nlines[0] = 0

    def write_row(vals):
        out = encode(vals, rng)
        emit([out[i] for i in perm])

    def write_bad(kind, row):
        vals, m, k1, k2 = row
        vals = list(vals)
        vals[CI["JOB_ID"]] = job_uuid(rng, part, 2, stats["bad_rows"])
        stats["bad_rows"] += 1
        if kind == "total_empty":
            vals[CI["TOTAL_CREDITS"]] = None
        elif kind == "total_nan":
            vals[CI["TOTAL_CREDITS"]] = rng.choice(BAD_TOTALS)
        elif kind == "id_empty":
            vals[CI["JOB_ID"]] = None
            stats["empty_id_rows"] += 1
            add1(eid1, k1, contribution(m))
            add(eid2, k2, contribution(m))
        elif kind in ("date_bad", "date_empty"):
            vals[CI["JOB_RUN_DATE"]] = rng.choice(BAD_DATES) \
                if kind == "date_bad" else None
            stats["bad_date_rows"] += 1
            # counted, with no date, when the report needs no date
            add1(base1, (k1[0], None, k1[2]), contribution(m))
            add(base2, k2, contribution(m))
            note_retry(vals, k1, contribution(m))
        out = encode(vals, rng)
        fields = [out[i] for i in perm]
        if kind == "fields":
            drop = min(rng.randint(1, 3), nfields - 2)
            fields = fields[:nfields - drop]
        elif kind == "fields_extra":
            fields = fields + ["extra"] * rng.randint(1, 2)
        emit(fields)

    def write_spikes(rows):
        """--spike: each spiked run again factor - 1 times (a fraction
        as a draw), each copy a new job run: its own JOB_ID, PIPELINE_ID
        and WORKFLOW_ID, so that neither the duplicate filter nor the
        retry cost links it to another run.  Its credits go into the
        truth as any run's."""
        srng = random.Random("%s:spike:%d" % (seed, part))
        ncopy = 0
        for vals, k1, k2, c in rows:
            key = (vals[CI["PROJECT_NAME"]], k1[1])
            extra = spikes[key] - 1
            n = int(extra)
            if srng.random() < extra - n:
                n += 1
            t = spike_sums.setdefault(key, [0, 0, 0, 0])
            t[0] += c[9]
            t[2] += 1
            for _ in range(n):
                v = list(vals)
                v[CI["JOB_ID"]] = job_uuid(srng, part, 3, ncopy)
                ncopy += 1
                for col in ("PIPELINE_ID", "WORKFLOW_ID"):
                    if v[CI[col]] is not None:
                        v[CI[col]] = rand_uuid(srng)
                add1(base1, k1, c)
                add(base2, k2, c)
                if "rs_case" in W:
                    u = rsc.setdefault(k1[0], [0, 0])
                    u[0 if v[CI["MAX_CPU_UTILIZATION_PCT"]] is not None
                      else 1] += 1
                t[1] += c[9]
                t[3] += 1
                write_row(v)

    # the events (duplicates, bad rows) go before the normal row `pos`
    ev = sorted(events, key=lambda e: e[0])
    ei = 0
    badval_at = {}
    if badval_cols:
        idx = rng.sample(range(n_normal), min(len(badval_cols), n_normal))
        for i, col in zip(idx, badval_cols):
            badval_at[i] = col
    buf = []
    written = 0
    rsc = {}            # --rightsize-cases: template -> [with, without]
    # --spike: (project, day offset) -> factor; the rows of a spiked
    # project and day, copied after the part's normal rows
    spikes = o.get("spikes") or {}
    spiked = []
    spike_sums = {}     # (project, offset) -> [base, added, runs, copies]
    while True:
        while ei < len(ev) and ev[ei][0] <= written:
            _, what, arg = ev[ei]
            ei += 1
            if what == "orig" or what == "copy":
                vals, m, k1, k2 = special_row(W, F, seed, arg)
                write_row(vals)
                c = contribution(m)
                if what == "orig":
                    add1(base1, k1, c)
                    add(base2, k2, c)
                else:
                    stats["duplicates"] += 1
                    add1(dup1, k1, c)
                    add(dup2, k2, c)
            else:
                while not buf:
                    buf = make_pipeline(rng, W, F, st)
                    buf.reverse()
                write_bad(arg, buf.pop())
        if written >= n_normal:
            break
        while not buf:
            buf = make_pipeline(rng, W, F, st)
            buf.reverse()
        vals, m, k1, k2 = buf.pop()
        col = badval_at.get(written)
        if col is not None:
            ci = CI[col]
            vals[ci] = rng.choice(BAD_VALUES)
            mi = METRIC_OF_COL.get(col)
            if mi is not None:
                m = list(m)
                m[mi] = 0
        c = contribution(m) if zero else m
        add1(base1, k1, c)
        add(base2, k2, c)
        note_retry(vals, k1, c)
        if spikes and (vals[CI["PROJECT_NAME"]], k1[1]) in spikes:
            spiked.append((vals, k1, k2, c))
        if "rs_case" in W:
            u = rsc.setdefault(k1[0], [0, 0])
            u[0 if vals[CI["MAX_CPU_UTILIZATION_PCT"]] is not None else 1] += 1
        write_row(vals)
        written += 1
    if spiked:
        write_spikes(spiked)
    flush(final=True)
    fh.close()
    # template -> [retried runs, their credits]: a wasted run is retried
    # when a success on its key came later
    retried = {}
    for runs in retry_runs.values():
        last = max((r[0] for r in runs if r[1] == "success"), default=None)
        for num, status, ti, cr in runs:
            if status in WASTE_STATUSES and last is not None and num < last:
                g = retried.setdefault(ti, [0, 0])
                g[0] += 1
                g[1] += cr
    return (part, stats, base1, base2, dup1, dup2, eid1, eid2, rsc, retried,
            spike_sums)


# ---------------------------------------------------------------- plan

def mangle(rng, name):
    r = rng.random()
    if r < 0.3:
        name = name.lower()
    elif r < 0.45:
        name = name.title()
    r = rng.random()
    if r < 0.2:
        name = " " + name + " "
    elif r < 0.3:
        name = "\t" + name
    elif r < 0.4:
        name = name + "  "
    return name


def plan_layouts(o, prng):
    layouts = []
    ext = ".csv" if o["plain"] else ".csv.gz"
    for part in range(o["parts"]):
        cols = list(COLUMNS)
        if o["swap_id"] and part % 2 == 1:
            a, b = cols.index("JOB_ID"), cols.index("JOB_RUN_NUMBER")
            cols[a], cols[b] = cols[b], cols[a]
        missing = []
        if o["trim_columns"]:
            k = prng.randint(1, len(OPTIONAL) // 2)
            missing = sorted(prng.sample(OPTIONAL, k), key=CI.get)
        for c in o["drop_column"]:
            if c not in missing:
                missing.append(c)
        cols = [c for c in cols if c not in missing]
        if o["shuffle_columns"]:
            prng.shuffle(cols)
            # a text key column last: its value meets the line end
            last = ("PROJECT_NAME", "JOB_NAME", "VCS_BRANCH",
                    "WORKFLOW_NAME")[part % 4]
            if last in cols:
                cols.remove(last)
                cols.append(last)
        perm = [CI[c] for c in cols]
        header = list(cols)
        if o["trim_columns"] or o["shuffle_columns"]:
            header = [mangle(prng, h) for h in header]
        nextra = 0
        if o["extra_column"]:
            nextra = prng.randint(1, 2)
            for j in range(nextra):
                pos = prng.randrange(len(perm) + 1)
                perm.insert(pos, NCOL + j)
                header.insert(pos, EXTRA_COLUMNS[(part + j) %
                                                 len(EXTRA_COLUMNS)])
        layouts.append({
            "name": "part-%03d%s" % (part, ext),
            "perm": perm, "header": header, "nextra": nextra,
            "present": [CI[c] for c in cols],
            "missing": sorted(missing, key=CI.get),
        })
    return layouts


# ---------------------------------------------------------------- truth

def iso_week(dord):
    y, w, _ = dt.date.fromordinal(dord).isocalendar()
    return "%d-W%02d" % (y, w)


def group_values(W, k1=None, k2=None):
    """Column values of a key1 (template, day, status) or key2 (branch,
    user, trigger) aggregate."""
    v = {}
    if k1 is not None:
        T = W["templates"][k1[0]]
        P = W["projects"][T[0]]
        v["project"] = P["name"]
        v["workflow"] = T[1]
        v["job"] = T[2]
        v["executor"] = T[3]
        v["resource_class"] = T[4]
        v["os"] = T[5]
        v["org"] = W["orgs"][P["org"]][0]
        v["status"] = STATUSES[k1[2]]
        if k1[1] is not None:
            dord = W["start_ord"] + k1[1]
            v["day"] = fmt_date_ord(dord)
            v["week"] = iso_week(dord)
            v["month"] = v["day"][:7]
    if k2 is not None:
        v["branch"] = W["branches"][k2[0]] if k2[0] >= 0 else ""
        v["user"] = W["users"][k2[1]] if k2[1] >= 0 else ""
        v["trigger"] = TRIGGERS[k2[2]]
    return v


def sum_into(dst, k, a):
    d = dst.get(k)
    if d is None:
        dst[k] = list(a)
    else:
        for i in range(11):
            d[i] += a[i]


def metrics_out(a, grand):
    """An aggregate [jobs, secs, 8 kinds, total] as report metrics."""
    # the report prints run_seconds rounded half up to whole seconds
    r = {"jobs": a[0], "run_seconds": (a[1] + 500) // 1000}
    for i, name in enumerate(METRICS[2:11]):
        r[name] = units_str(a[2 + i])
    total = Decimal(a[10]) / SCALE
    r["cost_usd"] = str((total * CREDIT_PRICE).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP))
    if grand:
        share = (Decimal(a[10]) * 100 / Decimal(grand)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        share = Decimal("0.00")
    r["share_pct"] = str(share)
    return r


def sort_rows(rows, cols):
    rows.sort(key=lambda r: (-Decimal(r["total_credits"]),
                             tuple(r[c].encode("utf-8") for c in cols)))


def build_view(W, aggs1, aggs2, keys, skipped, bad_date):
    """by, keyed meta for one view (a list of key1 and key2 tables)."""
    by, keyed = {}, {}
    # merged tables
    m1, m2 = {}, {}
    for t in aggs1:
        for k, a in t.items():
            sum_into(m1, k, a)
    for t in aggs2:
        for k, a in t.items():
            sum_into(m2, k, a)
    all_total = [0] * 11
    dated_total = [0] * 11
    first = last = None
    for k, a in m1.items():
        for i in range(11):
            all_total[i] += a[i]
        if k[1] is not None:
            for i in range(11):
                dated_total[i] += a[i]
            if first is None or k[1] < first:
                first = k[1]
            if last is None or k[1] > last:
                last = k[1]
    for key in keys:
        cols = KEYS[key]
        timed = any(c in TIME_COLS for c in cols)
        from_k2 = cols[0] in ("branch", "user", "trigger")
        groups = {}
        src = m2 if from_k2 else m1
        for k, a in src.items():
            if timed and k[1] is None:
                continue
            v = group_values(W, k2=k) if from_k2 else group_values(W, k1=k)
            sum_into(groups, tuple(v[c] for c in cols), a)
        tot = dated_total if timed else all_total
        rows = []
        for gk, a in groups.items():
            r = dict(zip(cols, gk))
            r.update(metrics_out(a, tot[10]))
            rows.append(r)
        sort_rows(rows, cols)
        by[key] = rows
        t = metrics_out(tot, tot[10])
        if not tot[10]:
            t["share_pct"] = "0.00"
        else:
            t["share_pct"] = "100.00"
        keyed[key] = {"rows_skipped": skipped + (0 if timed else -bad_date),
                      "totals": t}
    dates = (fmt_date_ord(W["start_ord"] + first) if first is not None
             else None,
             fmt_date_ord(W["start_ord"] + last) if last is not None
             else None)
    return by, keyed, dates


# ---------------------------------------------------------------- analyses

WASTE_STATUSES = ("failed", "canceled", "timedout", "infrastructure_fail")

# (executor, resource_class) with a smaller, priced class in
# data/resource-classes.tsv: a low utilization there is `over`
RS_DOWNSIZABLE = {
    ("docker", "medium"), ("docker", "medium+"), ("docker", "large"),
    ("docker", "xlarge"), ("docker", "2xlarge"), ("docker", "2xlarge+"),
    ("docker", "xlarge.gen2"), ("docker", "arm.large"),
    ("docker", "arm.xlarge"), ("machine", "large"), ("machine", "xlarge"),
    ("machine", "2xlarge"), ("machine", "arm.large"),
    ("machine", "arm.xlarge"), ("windows", "windows.large"),
    ("windows", "windows.xlarge"), ("macos", "m4pro.large"),
}
# the four utilization values of a run set on purpose
RS_UTIL = {
    "over": ("12.5", "20.0", "15", "25.50"),
    "under": ("70.0", "96.5", "60", "80.25"),
}


def rightsize_cases(W):
    """Templates whose utilization is set on purpose: every third one on a
    downsizable class is `over`, every third other one is `under`."""
    cases = {}
    for ti, T in enumerate(W["templates"]):
        if ti % 3 == 0 and (T[3], T[4]) in RS_DOWNSIZABLE:
            cases[ti] = "over"
        elif ti % 3 == 1 and T[3] != "runner":
            cases[ti] = "under"
    return cases


def write_json_file(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def write_failures_truth(W, aggs1, path, retried=()):
    """Per project, workflow and job: runs, wasted runs, wasted credits
    and credits, exactly, from the rows written once (no duplicates); and
    the retry cost: the wasted runs that a later success of the same job,
    pipeline and workflow name retried, and their credits."""
    groups = {}
    total = 0
    retry = {}
    for t in retried:
        for ti, (n, cr) in t.items():
            T = W["templates"][ti]
            key = (W["projects"][T[0]]["name"], T[1], T[2])
            g = retry.setdefault(key, [0, 0])
            g[0] += n
            g[1] += cr
    for t in aggs1:
        for k, a in t.items():
            T = W["templates"][k[0]]
            key = (W["projects"][T[0]]["name"], T[1], T[2])
            g = groups.setdefault(key, [0, 0, 0, 0])
            g[0] += a[0]
            g[3] += a[10]
            total += a[10]
            if STATUSES[k[2]] in WASTE_STATUSES:
                g[1] += a[0]
                g[2] += a[10]
    rows = [{"project": k[0], "workflow": k[1], "job": k[2],
             "runs": g[0], "wasted_runs": g[1],
             "wasted_credits": units_str(g[2]), "credits": units_str(g[3]),
             "retried_runs": retry.get(k, [0, 0])[0],
             "retry_credits": units_str(retry.get(k, [0, 0])[1])}
            for k, g in groups.items()]
    rows.sort(key=lambda r: (-Decimal(r["wasted_credits"]),
                             -r["wasted_runs"],
                             tuple(r[c].encode("utf-8")
                                   for c in ("project", "workflow", "job"))))
    write_json_file(path, {"waste_statuses": list(WASTE_STATUSES),
                           "total_credits": units_str(total),
                           "retried_runs": sum(g[0] for g in retry.values()),
                           "retry_credits": units_str(sum(
                               g[1] for g in retry.values())),
                           "rows": rows})


def write_rightsize_truth(W, counts, path):
    """The groups (project, workflow, job, resource_class, executor) whose
    templates were all set on purpose alike: their case, runs with and
    without utilization, and the medians (every run has the same values)."""
    groups = {}
    for c in counts:
        for ti, (w, wo) in c.items():
            T = W["templates"][ti]
            key = (W["projects"][T[0]]["name"], T[1], T[2], T[4], T[3])
            g = groups.setdefault(key, {"cases": set(), "runs": 0,
                                        "without": 0})
            g["cases"].add(W["rs_case"].get(ti))
            g["runs"] += w
            g["without"] += wo
    rows = []
    for k, g in sorted(groups.items()):
        case = g["cases"].pop() if len(g["cases"]) == 1 else "mixed"
        r = {"project": k[0], "workflow": k[1], "job": k[2],
             "resource_class": k[3], "executor": k[4], "case": case,
             "runs": g["runs"], "runs_without_utilization": g["without"]}
        if case in RS_UTIL:
            r.update(zip(("cpu_median_pct", "cpu_max_pct", "ram_median_pct",
                          "ram_max_pct"), RS_UTIL[case]))
        rows.append(r)
    write_json_file(path, {"rows": rows})


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Write a synthetic CircleCI Usage API export and its "
                    "exact sums.")
    ap.add_argument("-o", "--out", required=True, metavar="DIR",
                    help="output directory (old part-NNN files removed)")
    ap.add_argument("--rows", type=int, default=10000, metavar="N",
                    help="distinct readable job runs (default 10000)")
    ap.add_argument("--parts", type=int, default=4, metavar="K",
                    help="export parts (default 4)")
    ap.add_argument("--seed", default="1", metavar="S",
                    help="random seed (default 1): same seed and options, "
                         "same bytes")
    ap.add_argument("--truth", metavar="FILE",
                    help="write the ground truth JSON here")
    ap.add_argument("--start", default="2026-10-01", metavar="YYYY-MM-DD",
                    help="first JOB_RUN_DATE (default 2026-10-01)")
    ap.add_argument("--days", type=int, default=31, metavar="D",
                    help="days of job runs (default 31)")
    ap.add_argument("--quote", choices=("all", "minimal", "none"),
                    default="minimal",
                    help="all: every field quoted; minimal (default): "
                         "fields with , \" CR LF or \\ quoted; none: "
                         "never, backslash escapes instead")
    ap.add_argument("--null", choices=("N", "empty"), default="N",
                    help="NULL written as \\N (default) or empty")
    ap.add_argument("--crlf", action="store_true", help="CRLF line ends")
    ap.add_argument("--bom", action="store_true",
                    help="a UTF-8 BOM at the start of each part")
    ap.add_argument("--swap-id", action="store_true",
                    help="JOB_ID and JOB_RUN_NUMBER swapped in odd parts")
    ap.add_argument("--shuffle-columns", action="store_true",
                    help="each part has its own column order")
    ap.add_argument("--extra-column", action="store_true",
                    help="unknown columns at random positions")
    ap.add_argument("--trim-columns", action="store_true",
                    help="each part lacks a random set of optional columns")
    ap.add_argument("--drop-column", action="append", default=[],
                    metavar="NAME",
                    help="leave this column out of every part (repeatable)")
    ap.add_argument("--bools", choices=("truefalse", "yn", "10"),
                    default="truefalse",
                    help="boolean spelling (default truefalse, mixed case)")
    ap.add_argument("--ts", choices=("space", "iso"), default="space",
                    help="timestamps as 2026-10-01 12:34:56.789 (space) or "
                         "2026-10-01T12:34:56.789Z (iso)")
    ap.add_argument("--multi-member", action="store_true",
                    help="each .gz made of several gzip members")
    ap.add_argument("--plain", action="store_true",
                    help="write .csv, not .csv.gz")
    ap.add_argument("--tricky-names", action="store_true",
                    help="names with commas, quotes, newlines, backslashes, "
                         "spaces, UTF-8, formulas")
    ap.add_argument("--wide", action="store_true",
                    help="high cardinality: 18,000 project/workflow/job "
                         "groups, hundreds of long branch names, some "
                         "with commas and quotes")
    ap.add_argument("--dup-rows", type=int, default=0, metavar="N",
                    help="N job runs written twice, verbatim")
    ap.add_argument("--bad-rows", type=int, default=0, metavar="N",
                    help="N unreadable rows (field count, TOTAL_CREDITS, "
                         "JOB_ID, JOB_RUN_DATE)")
    ap.add_argument("--bad-values", type=int, default=0, metavar="N",
                    help="N rows with a bad optional value (counts as 0)")
    ap.add_argument("--failures-truth", metavar="FILE",
                    help="write the cost of failing jobs' truth here: per "
                         "project, workflow and job, the runs, wasted runs "
                         "and wasted credits (statuses failed, canceled, "
                         "timedout, infrastructure_fail)")
    ap.add_argument("--job-reruns", action="store_true",
                    help="after half the wasted runs, a \"rerun job\" in "
                         "the same workflow (the same WORKFLOW_ID), later: "
                         "a success 4 times in 5 (workflow re-runs, with a "
                         "new WORKFLOW_ID, are always made)")
    ap.add_argument("--rightsize-cases", action="store_true",
                    help="set the utilization of some jobs on purpose: "
                         "low on a class with a smaller one (over), high "
                         "on others (under); other rows are unchanged")
    ap.add_argument("--rightsize-truth", metavar="FILE",
                    help="with --rightsize-cases: write the groups set on "
                         "purpose, their runs and expected medians here")
    ap.add_argument("--spike", action="append", default=[],
                    metavar="PROJECT:DAY:FACTOR",
                    help="multiply PROJECT's job runs on DAY (YYYY-MM-DD) "
                    "by FACTOR (> 1; a fraction copies that share of them "
                    "once more, drawn): each run is copied as a new job "
                    "run; the truth's \"spikes\" gives each spike's "
                    "credits before and added (repeatable)")
    ap.add_argument("--history-ids", action="store_true",
                    help="JOB_IDs from another space than the default's: "
                    "an export of earlier days with the same seed shares "
                    "none with one made without it (make demo's history)")
    ap.add_argument("--procs", type=int, default=1, metavar="P",
                    help="processes writing parts in parallel (default 1)")
    a = ap.parse_args(argv)
    try:
        a.start_date = dt.date.fromisoformat(a.start)
    except ValueError:
        ap.error("--start: expected YYYY-MM-DD")
    for c in a.drop_column:
        if c not in CI:
            ap.error("--drop-column: unknown column %r" % c)
    if a.parts < 1 or a.parts > 4095 or a.rows < 0 or a.days < 1:
        ap.error("--parts 1..4095, --rows >= 0, --days >= 1")
    if a.dup_rows < 0 or a.bad_rows < 0 or a.bad_values < 0 or a.procs < 1:
        ap.error("counts must not be negative")
    a.spikes = {}
    for sp in a.spike:
        try:
            proj, day, factor = sp.rsplit(":", 2)
            off = dt.date.fromisoformat(day).toordinal() - \
                a.start_date.toordinal()
            factor = float(factor)
        except ValueError:
            ap.error("--spike: expected PROJECT:YYYY-MM-DD:FACTOR")
        if not proj or factor <= 1 or off < 0 or off >= a.days:
            ap.error("--spike: a project, a day in the export's range and "
                     "a factor above 1")
        a.spikes[(proj, off)] = factor
    if a.rightsize_truth and not a.rightsize_cases:
        ap.error("--rightsize-truth needs --rightsize-cases")
    return a


def generate(a):
    o = {
        "out": a.out, "seed": a.seed, "parts": a.parts, "quote": a.quote,
        "null": a.null, "crlf": a.crlf, "bom": a.bom, "swap_id": a.swap_id,
        "shuffle_columns": a.shuffle_columns,
        "extra_column": a.extra_column, "trim_columns": a.trim_columns,
        "drop_column": list(a.drop_column), "bools": a.bools, "ts": a.ts,
        "multi_member": a.multi_member, "plain": a.plain,
        "job_reruns": a.job_reruns,
    }
    if a.spikes:        # only then: the default truth stays as it was
        o["spikes"] = a.spikes
    if a.history_ids:
        global RUN_ID_KIND
        RUN_ID_KIND = 3
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):          # parts of an earlier run
        if re.fullmatch(r"part-\d{3}\.csv(\.gz)?", f):
            os.remove(os.path.join(a.out, f))
    W = build_world(a.seed, a.tricky_names, a.start_date, a.days, a.wide)
    if a.rightsize_cases:
        W["rs_case"] = rightsize_cases(W)
    prng = random.Random("%s:plan" % a.seed)
    layouts = plan_layouts(o, prng)
    K = a.parts
    missing_all = set()
    for L in layouts:
        missing_all.update(COLUMNS[i] for i in range(NCOL)
                           if i not in set(L["present"]))

    per = [a.rows // K + (1 if i < a.rows % K else 0) for i in range(K)]
    events = [[] for _ in range(K)]
    ndup = min(a.dup_rows, a.rows)
    for s in range(ndup):
        # the original takes one of the part's rows; the copy is extra
        cand = [i for i in range(K) if per[i] > 0]
        src = prng.choice(cand)
        per[src] -= 1
        dst = src if a.trim_columns else prng.randrange(K)
        events[src].append((prng.randint(0, per[src]), "orig", s))
        events[dst].append((None, "copy", s))
    kinds = []
    for kd in BAD_ROW_KINDS:
        if kd.startswith("date") and "JOB_RUN_DATE" in missing_all:
            continue
        if kd == "id_empty" and "JOB_ID" in missing_all:
            continue
        if kd.startswith("total") and "TOTAL_CREDITS" in missing_all:
            continue
        kinds.append(kd)
    for b in range(a.bad_rows):
        events[prng.randrange(K)].append((None, "bad",
                                          kinds[b % len(kinds)]))
    badvals = [[] for _ in range(K)]
    for b in range(a.bad_values):
        p = prng.randrange(K)
        present = set(layouts[p]["present"])
        for j in range(len(BAD_VALUE_COLS)):
            c = BAD_VALUE_COLS[(b + j) % len(BAD_VALUE_COLS)]
            if CI[c] in present:
                badvals[p].append(c)
                break
    # positions of the copies and bad rows, now that per[] is final
    for i in range(K):
        events[i] = [(prng.randint(0, per[i]) if pos is None else
                      min(pos, per[i]), w, arg) for pos, w, arg in events[i]]
    oo = dict(o)
    tasks = [(W, oo, i, layouts[i], per[i], events[i], badvals[i])
             for i in range(K)]
    if a.procs > 1 and K > 1:
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:
            ctx = multiprocessing.get_context()
        with ctx.Pool(min(a.procs, K)) as pool:
            results = pool.map(gen_part, tasks, chunksize=1)
    else:
        results = [gen_part(t) for t in tasks]
    results.sort(key=lambda r: r[0])

    if a.failures_truth:
        write_failures_truth(W, [r[2] for r in results], a.failures_truth,
                             [r[9] for r in results])
    if a.rightsize_truth:
        write_rightsize_truth(W, [r[8] for r in results], a.rightsize_truth)
    if not a.truth:
        return None
    base1 = [r[2] for r in results]
    base2 = [r[3] for r in results]
    dup1 = [r[4] for r in results]
    dup2 = [r[5] for r in results]
    eid1 = [r[6] for r in results]
    eid2 = [r[7] for r in results]
    rows_read = sum(r[1]["rows_read"] for r in results)
    bad = sum(r[1]["bad_rows"] for r in results)
    bad_date = sum(r[1]["bad_date_rows"] for r in results)
    empty_id = sum(r[1]["empty_id_rows"] for r in results)
    dups = sum(r[1]["duplicates"] for r in results)
    keys = [k for k in KEYS
            if all(KEY_SOURCE[c] not in missing_all for c in KEYS[k])]
    by, keyed, dates = build_view(W, base1, base2, keys, bad, bad_date)
    kby, kkeyed, kdates = build_view(W, base1 + dup1 + eid1,
                                     base2 + dup2 + eid2, keys,
                                     bad - empty_id, bad_date)
    # top level: the view of a date-keyed report, where every bad row is
    # skipped (the same as any other key when there are no bad dates)
    if "day" in keyed:
        top = keyed["day"]
    elif keys:
        top = keyed[keys[0]]
    else:
        top = {"rows_skipped": bad, "totals": None}
    truth = {
        "rows_read": rows_read,
        "rows_skipped": top["rows_skipped"],
        "duplicates": dups,
        "first_date": dates[0],
        "last_date": dates[1],
        "files": K,
        "missing_columns": {L["name"]: [COLUMNS[i] for i in
                                        sorted(set(range(NCOL)) -
                                               set(L["present"]))]
                            for L in layouts},
        "totals": top["totals"],
        "bad_date_rows": bad_date,
        "empty_id_rows": empty_id,
        "keyed": keyed,
        "by": by,
        "keep_duplicates": {
            "rows_read": rows_read,
            "duplicates": 0,
            "first_date": kdates[0],
            "last_date": kdates[1],
            "keyed": kkeyed,
            "by": kby,
        },
        "files_list": [L["name"] for L in layouts],
        "options": {k: v for k, v in o.items()
                    if k not in ("out", "spikes")},
    }
    if a.spikes:
        truth["options"]["spike"] = list(a.spike)
        truth["spikes"] = spike_truth(a, [r[10] for r in results])
    truth["options"].update({"rows": a.rows, "start": a.start,
                             "days": a.days, "tricky_names": a.tricky_names,
                             "dup_rows": ndup, "bad_rows": a.bad_rows,
                             "bad_values": a.bad_values})
    tmp = a.truth + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, a.truth)
    return truth


def spike_truth(a, sums):
    """The spikes in the order given: project, day, factor, the credits
    of the project's runs that day before the copies (base_credits), those
    of the copies (added_credits: the exact excess over that day without
    the spike) and the runs of each."""
    out = []
    for sp in a.spike:
        proj, day, factor = sp.rsplit(":", 2)
        off = dt.date.fromisoformat(day).toordinal() - \
            a.start_date.toordinal()
        t = [0, 0, 0, 0]
        for part in sums:
            v = part.get((proj, off))
            if v:
                t = [x + y for x, y in zip(t, v)]
        out.append({"project": proj, "day": day, "factor": float(factor),
                    "base_credits": units_str(t[0]),
                    "added_credits": units_str(t[1]),
                    "base_runs": t[2], "added_runs": t[3]})
    return out


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    generate(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
