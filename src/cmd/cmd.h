/*
 * cmd.h: the subcommands.  Each src/cmd/cmd_<name>.c defines cmd_<name>()
 * and <name>_cmd, its options; main.c's table holds them.  A command's exec parses its options
 * (cmdopt.h) and returns an exit code (util.h).
 */
#ifndef CU_CMD_H
#define CU_CMD_H

#include <stddef.h>

struct cmdopt_cmd;

/*
 * A command: its options and --help (cmdopt.h; the name and summary too)
 * and what runs it.
 */
struct cmd_entry {
	const struct cmdopt_cmd *opts;
	int (*exec)(int argc, char **argv);
};

#define CMD(name) \
	extern const struct cmdopt_cmd name##_cmd; \
	int cmd_##name(int argc, char **argv)
CMD(report);
CMD(export);
CMD(run);
CMD(html);
CMD(compare);
CMD(notify);
CMD(failures);
CMD(anomalies);
CMD(focus);
CMD(rightsize);
CMD(chargeback);
CMD(budget);
CMD(ingest);
CMD(db);
#undef CMD

/* `notify pushgateway` (cmd_push.c): argv[0] is the target. */
int cmd_notify_push(int argc, char **argv);

struct page_given;
/*
 * What the next cmd_html() page is given besides its options (page.h:
 * the files beside it, run's budgets and anomalies; borrowed until that
 * call returns), or NULL: nothing.  `run` calls html in-process and
 * sets it so; html then reads no budgets file of its own.
 */
void cmd_html_given(const struct page_given *g);

#endif
