/*
 * cmd_export.c: `circleci-usage export`: parse the options, then run the
 * export workflow of export.h (create usage export jobs for a date range,
 * wait for them, download every part, resuming an unfinished export) and
 * report: the manifest on stdout with --json, the request count with
 * --verbose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cmd.h"
#include "cmdopt.h"
#include "export.h"
#include "range.h"
#include "statusline.h"
#include "users.h"
#include "util.h"

const struct cmdopt_cmd export_cmd = {
	.name = "export",
	.summary = "create Usage API exports and download every part",
	.usage =
"usage: circleci-usage export [options]\n"
"\n"
"Create Usage API exports for a date range, wait for them, and download\n"
"every part into DIR/<start>_<end>/part-NNN.csv.gz, with DIR/manifest.json.\n"
"Running the same request again resumes an unfinished export; another\n"
"range or org replaces it (the old files go once the new one is complete).\n"
"One export at a time per DIR (DIR/.lock).\n",
	.opts = (const struct cmdopt_use[]){
		CMDOPT_HEADING("What:"),
		CMDOPT(CO_ORG), CMDOPT(CO_SHARED_ORG), CMDOPT(CO_START),
		CMDOPT(CO_END),
		CMDOPT_HELP(CO_LAST, CMDOPT_LAST_RANGE),
		CMDOPT_HEADING("Where and how:"),
		CMDOPT_ARG(CO_OUTPUT, "export directory (default "
		    "./usage-export)", "DIR"),
		CMDOPT(CO_API_URL), CMDOPT(CO_TOKEN_FILE),
		CMDOPT(CO_POLL_INTERVAL), CMDOPT(CO_TIMEOUT),
		CMDOPT(CO_PARALLEL), CMDOPT(CO_MAX_PART_SIZE), CMDOPT(CO_FORCE),
		CMDOPT(CO_QUIET), CMDOPT(CO_VERBOSE), CMDOPT(CO_JSON),
		CMDOPT_HELP(CO_NAMES, "then look up the login names of the "
		    "export's PIPELINE_TRIGGER_USER_IDs (GET /user/{id}, at most "
		    "4 a second) into DIR/users.json, asking only for those not "
		    "there yet, so that --by user shows names"),
		CMDOPT_END
	},
};

/* What export_parse() returns to say "go on" rather than an exit code. */
#define EXPORT_GO_ON (-1)

/*
 * The options into req (its defaults set here); *shared holds the
 * --shared-org values.  Returns EXPORT_GO_ON, or the exit code to end
 * with: EXIT_OK after --help, EXIT_USAGE after the error.
 */
static int
export_parse(struct export_request *req, const char ***shared,
    const char **token_file, int *json, int argc, char **argv)
{
	struct cmdopt co;
	struct cmdopt_value val;
	int id, ret = EXPORT_GO_ON;

	memset(req, 0, sizeof(*req));
	req->dir = "usage-export";
	req->poll = 5;
	req->timeout = 4 * 3600;
	req->parallel = 4;
	req->max_part = 16ULL << 30;
	cmdopt_init(&co, &export_cmd, NULL);
	while (ret == EXPORT_GO_ON &&
	    (id = cmdopt_next(&co, argc, argv, &val)) != CO_NONE) {
		switch (id) {
		case -1:
			ret = co.status;
			break;
		case CO_ORG:
			req->org = val.str;
			break;
		case CO_SHARED_ORG:
			if (!str_is_uuid(val.str)) {
				ret = cmdopt_usage("export", "--shared-org: "
				    "expected an organization UUID, got "
				    "'%.100s'", val.str);
				break;
			}
			*shared = xreallocarray(*shared, req->nshared + 1,
			    sizeof(**shared));
			(*shared)[req->nshared++] = val.str;
			req->shared = *shared;
			break;
		case CO_START:
			req->start = val.str;
			break;
		case CO_END:
			req->end = val.str;
			break;
		case CO_TOKEN_FILE:
			*token_file = val.str;
			break;
		case CO_API_URL:
			req->api_url = val.str;
			break;
		case CO_POLL_INTERVAL:
			req->poll = val.secs;
			break;
		case CO_TIMEOUT:
			req->timeout = val.secs;
			break;
		case CO_PARALLEL:
			req->parallel = (int)val.num;
			break;
		case CO_MAX_PART_SIZE:
			req->max_part = val.num;
			break;
		case CO_FORCE:
			req->force = 1;
			break;
		case CO_QUIET:
			req->quiet = 1;
			break;
		case CO_VERBOSE:
			req->verbose = 1;
			break;
		case CO_JSON:
			*json = 1;
			break;
		}
	}
	if (ret == EXPORT_GO_ON && optind < argc)
		ret = cmdopt_usage("export", "takes no arguments "
		    "('%.100s'); the output directory is -o DIR",
		    argv[optind]);
	if (co.output != NULL)
		req->dir = co.output;
	req->last = co.last;
	req->names = co.names;
	cmdopt_release(&co);
	return ret;
}

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
	if (!ret && req->names) {
		statusline_clear(&status);
		ret = users_export_dir(req->dir, export_api(e), req->quiet);
	}
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
	int json = 0, ret;

	ret = export_parse(&req, &shared, &token_file, &json, argc, argv);
	if (ret == EXPORT_GO_ON)
		ret = export_exec(&req, token_file, json);
	free(shared);
	return ret;
}
