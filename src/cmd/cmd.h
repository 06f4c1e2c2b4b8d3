/*
 * cmd.h: the subcommand table.  Each src/cmd/cmd_<name>.c defines one entry;
 * main.c dispatches on the name.  A command's exec parses its options
 * (cmdopt.h) and returns an exit code (util.h).
 */
#ifndef CU_CMD_H
#define CU_CMD_H

struct cmdopt_cmd;

struct cmd_entry {
	const char *name;
	const char *summary;	/* one line for `circleci-usage --help` */
	int (*exec)(int argc, char **argv);
	/* its options (cmdopt.h); NULL while its own parser has them */
	const struct cmdopt_cmd *opts;
};

extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_html_entry;
extern const struct cmd_entry cmd_compare_entry;
extern const struct cmd_entry cmd_notify_entry;
extern const struct cmd_entry cmd_failures_entry;
extern const struct cmd_entry cmd_rightsize_entry;
extern const struct cmd_entry cmd_chargeback_entry;
extern const struct cmd_entry cmd_ingest_entry;
extern const struct cmd_entry cmd_db_entry;

#endif
