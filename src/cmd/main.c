/*
 * main.c: global options and dispatch to the subcommands.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "range.h"
#include "sigclean.h"
#include "term.h"
#include "util.h"

static const struct cmd_entry cmd_table[] = {
	{ &report_cmd, cmd_report },
	{ &export_cmd, cmd_export },
	{ &html_cmd, cmd_html },
	{ &run_cmd, cmd_run },
	{ &compare_cmd, cmd_compare },
	{ &notify_cmd, cmd_notify },
	{ &failures_cmd, cmd_failures },
	{ &anomalies_cmd, cmd_anomalies },
	{ &focus_cmd, cmd_focus },
	{ &rightsize_cmd, cmd_rightsize },
	{ &chargeback_cmd, cmd_chargeback },
	{ &budget_cmd, cmd_budget },
	{ &ingest_cmd, cmd_ingest },
	{ &db_cmd, cmd_db },
	{ NULL, NULL }
};

/* The command of that name, or NULL. */
static const struct cmd_entry *
main_find(const char *name)
{
	size_t i;

	for (i = 0; cmd_table[i].opts != NULL; i++)
		if (strcmp(cmd_table[i].opts->name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: circleci-usage <command> [options]\n"
	    "       circleci-usage <command> --help\n"
	    "       circleci-usage --version\n\n"
	    "Where an organization's CircleCI credits go, from the Usage "
	    "API.\n\nCommands:\n");
	for (i = 0; cmd_table[i].opts != NULL; i++)
		fprintf(f, "  %-12s %s\n", cmd_table[i].opts->name,
		    cmd_table[i].opts->summary);
	fprintf(f, "\nExit codes: 0 success, 1 failure, 2 usage error, 3 bad "
	    "input data,\n4 API refused access, 5 API rejected the request, "
	    "6 timeout or network,\n7 an alert fired with --fail-on-alert, "
	    "8 a server redirected where\nno request may go.\n");
}

/*
 * `circleci-usage --dump-options`, not in --help: every command's options
 * from the table (cmdopt_dump), for scripts/completion.sh and the tests.
 */
static void
main_dump_options(void)
{
	size_t i;

	for (i = 0; cmd_table[i].opts != NULL; i++)
		cmdopt_dump(cmd_table[i].opts, stdout);
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *e;
	int ret;

	term_install();	/* the library's messages and progress, on stderr */
	/*
	 * A full file-size limit (ulimit -f) must be an error we report,
	 * with the temporary file removed, not a SIGXFSZ that kills us
	 * mid-write: write() then fails with EFBIG.
	 */
	signal(SIGXFSZ, SIG_IGN);
	/* UTF-8 display widths; numbers and messages stay in C */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			static char help_opt[] = "--help";
			char *sub[] = { argv[2], help_opt, NULL };

			if ((e = main_find(argv[2])) != NULL)
				return e->exec(2, sub);
			/* as `circleci-usage nope` says */
			error("unknown command '%s'", argv[2]);
			main_usage(stderr);
			return EXIT_USAGE;
		}
		main_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--dump-options") == 0) {
		main_dump_options();
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("circleci-usage %s\n", CU_VERSION);
		return EXIT_OK;
	}
	if (range_now_check() < 0)
		return EXIT_USAGE;
	if ((e = main_find(argv[1])) == NULL) {
		error("unknown command '%s'", argv[1]);
		main_usage(stderr);
		return EXIT_USAGE;
	}
	/*
	 * Before the command starts a thread (libcurl's, ingest's reader,
	 * the download checks): they inherit the blocked signals.  export
	 * and run keep their downloads, so running them again resumes; other
	 * commands start over.
	 */
	if (sigclean_install(e->exec == cmd_export || e->exec == cmd_run ?
	    "run the same command again to resume" : NULL) < 0)
		return EXIT_FAILURE_OTHER;
	ret = e->exec(argc - 1, argv + 1);
	sigclean_settle();
	return ret;
}
