/*
 * term.h: the reporter of the command line (reporter.h): what the library
 * reports, shown on stderr.  Messages as "circleci-usage: [warning: ]TEXT"
 * lines; progress (progress.h) as a live line on a terminal, else as
 * spaced log lines; the status line of statusline.h; the line of an
 * interruption (sigclean.h).  A command-layer file: the only one, with
 * main.c and the commands, that writes to stderr.
 */
#ifndef CU_TERM_H
#define CU_TERM_H

/*
 * Install this reporter, and stdout as the stream an output of "-" is
 * written to (out.h).  Called by main() first; tests call it too.
 */
void term_install(void);

#endif
