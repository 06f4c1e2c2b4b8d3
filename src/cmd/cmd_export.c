/*
 * cmd_export.c: `circleci-usage export`: parse the options, then run the
 * export workflow of export.h (create usage export jobs for a date range,
 * wait for them, download every part, resuming an unfinished export) and
 * report: the manifest on stdout with --json, the request count with
 * --verbose.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cmd.h"
#include "export.h"
#include "range.h"
#include "statusline.h"
#include "util.h"

static const char export_usage[] =
"usage: circleci-usage export [options]\n"
"\n"
"Create Usage API exports for a date range, wait for them, and download\n"
"every part into DIR/<start>_<end>/part-NNN.csv.gz, with DIR/manifest.json.\n"
"Running the same request again resumes an unfinished export; another\n"
"range or org replaces it (the old files go once the new one is complete).\n"
"One export at a time per DIR (DIR/.lock).\n"
"\n"
"What:\n"
"  --org ID              organization ID (else ORG_ID, else\n"
"                        CIRCLE_ORGANIZATION_ID)\n"
"  --shared-org ID       also include this shared org (repeatable)\n"
"  --start DATE          YYYY-MM-DD (00:00:00Z) or RFC 3339 (else START_DATE)\n"
"  --end DATE            YYYY-MM-DD (23:59:59Z) or RFC 3339 (else END_DATE);\n"
"                        both inclusive\n"
"  --last N{d|w|mo}      the last N complete UTC days, ISO weeks or months\n"
"                        (default: the last 7 complete days)\n"
"\n"
"Where and how:\n"
"  -o, --output DIR      export directory (default ./usage-export)\n"
"  --api-url URL         API base (else CIRCLECI_API_URL, else\n"
"                        https://circleci.com/api/v2); no user:password@\n"
"                        and no query string in it\n"
"  --token-file PATH     read the API token from PATH (- for stdin); else\n"
"                        CIRCLECI_API_TOKEN, CIRCLECI_TOKEN, CIRCLE_TOKEN\n"
"  --poll-interval SECS  first wait between polls (default 5; doubles to 60)\n"
"  --timeout DURATION    give up after 90s, 30m, 4h ... (default 4h)\n"
"  --parallel N          downloads at once (default 4)\n"
"  --max-part-size SIZE  refuse a part larger than SIZE, e.g. 500M or 16G\n"
"                        (default 16G)\n"
"  --force               start over, even if DIR holds an export\n"
"  --quiet               errors only\n"
"  --verbose             trace every request (never a secret)\n"
"  --json                print the manifest on stdout at the end\n"
"  -h, --help            show this help\n";

enum {
	OPT_ORG = 256, OPT_SHARED, OPT_START, OPT_END, OPT_LAST, OPT_API_URL,
	OPT_TOKEN_FILE, OPT_POLL, OPT_TIMEOUT, OPT_PARALLEL, OPT_FORCE,
	OPT_QUIET, OPT_VERBOSE, OPT_JSON, OPT_MAX_PART
};

static const struct option export_options[] = {
	{ "org", required_argument, NULL, OPT_ORG },
	{ "shared-org", required_argument, NULL, OPT_SHARED },
	{ "start", required_argument, NULL, OPT_START },
	{ "end", required_argument, NULL, OPT_END },
	{ "last", required_argument, NULL, OPT_LAST },
	{ "output", required_argument, NULL, 'o' },
	{ "api-url", required_argument, NULL, OPT_API_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "poll-interval", required_argument, NULL, OPT_POLL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "max-part-size", required_argument, NULL, OPT_MAX_PART },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Run the export of req with the token of token_file (or the
 * environment); print the manifest with `json`.  An exit code.
 */
static int
export_exec(struct export_request *req, const char *token_file, int json)
{
	struct statusline status;
	struct export *e = NULL;
	unsigned creates, polls, requests;
	char *token, *text;
	int ret;

	/* the token must never reach a core file */
	{
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	token = export_token_read(token_file);
	if (token == NULL)
		return EXIT_USAGE;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	statusline_init(&status, req->quiet, req->verbose);
	req->status = &status;
	e = export_new(req, token);
	ret = export_open(e);
	if (ret)
		goto out;
	ret = export_plan(e);
	if (!ret)
		ret = export_create(e);
	if (!ret)
		ret = export_wait(e);
	if (!ret)
		ret = export_finish(e);
	if (!ret && json) {
		text = export_manifest_text(e);
		puts(text);
		free(text);
		if (fflush(stdout) != 0) {
			error("cannot write the standard output");
			ret = EXIT_FAILURE_OTHER;
		}
	}
	statusline_clear(&status);
	if (req->verbose) {
		requests = export_requests(e, &creates, &polls);
		fprintf(stderr, "%s: %u requests to the API (%u creates, %u "
		    "polls)\n", PROGRAM_NAME, requests, creates, polls);
	}
out:
	export_free(e);
	curl_global_cleanup();
	explicit_bzero(token, strlen(token));
	free(token);
	return ret;
}

int
cmd_export(int argc, char **argv)
{
	struct export_request req;
	const char **shared = NULL;
	const char *token_file = NULL;
	char *end;
	unsigned long long n;
	int c, json = 0, ret = EXIT_USAGE;

	memset(&req, 0, sizeof(req));
	req.dir = "usage-export";
	req.poll = 5;
	req.timeout = 4 * 3600;
	req.parallel = 4;
	req.max_part = 16ULL << 30;
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", export_options, NULL)) != -1) {
		switch (c) {
		case OPT_ORG:
			req.org = optarg;
			break;
		case OPT_SHARED:
			if (!str_is_uuid(optarg)) {
				error("--shared-org '%s': expected an "
				    "organization UUID", optarg);
				goto out;
			}
			shared = xreallocarray(shared, req.nshared + 1,
			    sizeof(*shared));
			shared[req.nshared++] = optarg;
			req.shared = shared;
			break;
		case OPT_START:
			req.start = optarg;
			break;
		case OPT_END:
			req.end = optarg;
			break;
		case OPT_LAST:
			req.last = optarg;
			break;
		case 'o':
			req.dir = optarg;
			break;
		case OPT_API_URL:
			req.api_url = optarg;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_POLL:
			req.poll = strtod(optarg, &end);
			if (end == optarg || *end || !(req.poll > 0) ||
			    req.poll > 3600) {
				error("--poll-interval '%s': expected seconds, "
				    "more than 0", optarg);
				goto out;
			}
			break;
		case OPT_TIMEOUT:
			if (range_parse_duration(optarg, &req.timeout) < 0) {
				error("--timeout '%s': expected a duration such "
				    "as 90s, 30m or 4h", optarg);
				goto out;
			}
			break;
		case OPT_PARALLEL:
			if (parse_uint(optarg, 64, &n) < 0 || n == 0) {
				error("--parallel '%s': expected 1 to 64",
				    optarg);
				goto out;
			}
			req.parallel = (int)n;
			break;
		case OPT_MAX_PART:
			if (parse_size(optarg, 1ULL << 50, &req.max_part) < 0) {
				error("--max-part-size '%s': expected a size "
				    "such as 500M or 16G", optarg);
				goto out;
			}
			break;
		case OPT_FORCE:
			req.force = 1;
			break;
		case OPT_QUIET:
			req.quiet = 1;
			break;
		case OPT_VERBOSE:
			req.verbose = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			fputs(export_usage, stdout);
			ret = EXIT_OK;
			goto out;
		default:
			fputs("Try 'circleci-usage export --help'.\n", stderr);
			goto out;
		}
	}
	if (optind < argc) {
		error("export takes no arguments ('%s'); the output directory "
		    "is -o DIR", argv[optind]);
		goto out;
	}
	ret = export_exec(&req, token_file, json);
out:
	free(shared);
	return ret;
}
