/* classify_command.h: `gliad classify ...`, a classification run from the command line
 * (core/classify/classify.h). It reads datasets from the store or Debian's files and runs
 * on a thread team, so it belongs to the daemon's side, not to offline/. */
#ifndef GLIA_CLASSIFY_COMMAND_H
#define GLIA_CLASSIFY_COMMAND_H

/* Run `gliad classify ...` with argv[0] = "classify"; returns the process exit code. */
int glia_cli_classify(int argc, char **argv);

#endif
