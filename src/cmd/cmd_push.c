/*
 * cmd_push.c: `circleci-usage notify pushgateway --url URL PATH...`: the
 * period's metrics, as `report --format openmetrics` writes them, pushed
 * to a Prometheus Pushgateway under a job and the org, replacing the last
 * push of that group.  It shares notify's options and PATHs (a run
 * directory or exports); the options that only make the Slack message are
 * refused here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api.h"
#include "cmd.h"
#include "cmdopt.h"
#include "failures.h"
#include "mreport.h"
#include "mset.h"
#include "notify.h"
#include "push.h"
#include "util.h"

/* The job the metrics are grouped under without --job. */
#define PUSH_JOB "circleci_usage"

struct push_cmd {
	struct cmdopt co;
	struct notify n;	/* its PATH reading (run.json), nothing else */
	const char *url, *job, *by, *waste_list;
	int dry_run;
	double timeout;
};

/*
 * One of the options the pushgateway target takes; the rest of notify's
 * are the message's.  Returns 0, or EXIT_USAGE.
 */
static int
push_option(struct push_cmd *pc, int id, const struct cmdopt_value *val)
{
	const struct cmdopt_def *d = &cmdopt_table[id];

	switch (id) {
	case CO_URL:
		pc->url = val->str;
		return 0;
	case CO_JOB:
		pc->job = val->str;
		return 0;
	case CO_DRY_RUN:
		pc->dry_run = 1;
		return 0;
	case CO_TIMEOUT:
		pc->timeout = val->secs;
		return 0;
	case CO_LIST_BY:
		if (strcmp(val->str, "project") != 0 &&
		    strcmp(val->str, "team") != 0)
			return cmdopt_usage("notify", "--by: expected project "
			    "or team, got '%.100s'", val->str);
		pc->by = val->str;
		return 0;
	case CO_WASTE_STATUSES:
		pc->waste_list = val->str;
		return 0;
	}
	return cmdopt_usage("notify", "--%s is for notify slack, not "
	    "pushgateway", d->name);
}

/* The options and the PATHs.  Returns -1 to go on, or an exit code. */
static int
push_parse(struct push_cmd *pc, int argc, char **argv)
{
	struct cmdopt *co = &pc->co;
	struct cmdopt_value val;
	char err[200];
	size_t i;
	int id, ret;

	while ((id = cmdopt_next(co, argc, argv, &val)) > 0)
		if ((ret = push_option(pc, id, &val)) != 0)
			return ret;
	if (id < 0)
		return co->status;
	if (pc->url == NULL && !pc->dry_run)
		return cmdopt_usage("notify", "pushgateway: give --url URL, "
		    "the Pushgateway's base URL (or --dry-run)");
	if (pc->url != NULL && push_url_check(pc->url, err,
	    sizeof(err)) < 0)
		return cmdopt_usage("notify", "--url: %s", err);
	if (pc->job == NULL || pc->job[0] == '\0')
		pc->job = PUSH_JOB;
	for (i = 0; pc->job[i] != '\0'; i++)
		if ((unsigned char)pc->job[i] < 0x20)
			return cmdopt_usage("notify", "--job: expected a name "
			    "without control characters");
	if (co->db != NULL && optind < argc)
		return cmdopt_usage("notify", "--db reads history: give no "
		    "PATH with it");
	if (co->db == NULL && optind >= argc)
		return cmdopt_usage("notify", "no input: give a run directory "
		    "or exports");
	if (strcmp(pc->by, "team") == 0 && co->teams == NULL)
		return cmdopt_usage("notify", "--by team needs the teams file: "
		    "give --teams FILE or set CIRCLECI_USAGE_TEAMS");
	pc->n.previous_given = 1;	/* one period: no previous/ read */
	for (; optind < argc; optind++)
		if ((ret = notify_add_path(&pc->n, argv[optind])) != 0)
			return ret;
	return -1;
}

/* The metrics' text: read, summed, written.  0, or an exit code. */
static int
push_text(struct push_cmd *pc, struct sbuf *text)
{
	struct cmdopt *co = &pc->co;
	struct report_result res;
	struct mset m;
	char **waste = NULL;
	size_t nwaste = 0;
	int ret;

	mset_init(&m);
	if (mreport_sets(co->ro, pc->by) < 0)
		return EXIT_USAGE;
	co->ro->want_orgs = 1;
	if (co->db != NULL)
		ret = cmdopt_read(co, &res);
	else
		ret = report_run(co->ro, &pc->n.cur_in, &res);
	if (ret != 0)
		goto out;
	cmdopt_list(&waste, &nwaste, pc->waste_list);
	mset_release(&m);
	ret = mreport_build(&m, co->ro, &res, co->db != NULL ? NULL :
	    &pc->n.cur_in, VM_CREDITS + CR_TOTAL, -1, (size_t)co->top,
	    co->price, waste, nwaste, NULL);
	if (ret == 0 && mset_openmetrics(&m, text) < 0) {
		error("notify: the metrics pass %zu bytes", text->max);
		ret = EXIT_FAILURE_OTHER;
	}
out:
	mset_release(&m);
	strv_free(waste, nwaste);
	report_result_release(&res);
	return ret;
}

/* The org label of the info metric, the group's org: "" when none. */
static char *
push_org(const char *text)
{
	static const char key[] = "circleci_usage_report_info{org=\"";
	const char *p = strstr(text, key), *e;
	struct sbuf sb;

	if (p == NULL)
		return xstrdup("");
	/* unescape the label value as written (mset_escape_value) */
	sbuf_init(&sb, 1 << 20);
	for (p += sizeof(key) - 1; *p != '\0' && *p != '"'; p++) {
		e = p;
		if (*p == '\\' && p[1] != '\0') {
			e = ++p;
			if (*e == 'n') {
				sbuf_addch(&sb, '\n');
				continue;
			}
		}
		sbuf_addch(&sb, *e);
	}
	return sbuf_detach(&sb);
}

int
cmd_notify_push(int argc, char **argv)
{
	struct push_cmd pc;
	struct push_req req;
	struct sbuf text;
	char *url = NULL, *org = NULL;
	unsigned attempts = 0;
	int ret;

	memset(&pc, 0, sizeof(pc));
	notify_init(&pc.n);
	cmdopt_init(&pc.co, &notify_cmd, NULL);
	pc.by = "project";
	pc.waste_list = FAILURES_WASTE;
	pc.timeout = 60;
	sbuf_init(&text, MSET_MAX_TEXT);
	if ((ret = push_parse(&pc, argc, argv)) >= 0)
		goto out;
	if ((ret = push_text(&pc, &text)) != 0)
		goto out;
	if (pc.dry_run) {
		fwrite(text.buf, 1, text.len, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			error("cannot write to standard output: %s",
			    strerror(errno));
			ret = EXIT_FAILURE_OTHER;
		}
		goto out;
	}
	org = push_org(text.buf);
	url = push_gateway_url(pc.url, pc.job, org);
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url;
	/* the 0.0.4 text format, which the gateway reads: ours is both */
	req.content_type = "text/plain; version=0.0.4; charset=utf-8";
	req.body = text.buf;
	req.len = text.len;
	req.what = "the Pushgateway";
	req.deadline = api_clock() + pc.timeout;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = push_send(&req, &attempts);
	curl_global_cleanup();
	if (ret == 0)
		fprintf(stderr, "%s: notify: pushed the metrics to the "
		    "Pushgateway, job %s (%u request%s)\n", PROGRAM_NAME,
		    pc.job, attempts, attempts == 1 ? "" : "s");
out:
	free(url);
	free(org);
	sbuf_release(&text);
	cmdopt_release(&pc.co);
	notify_release(&pc.n);
	return ret;
}
