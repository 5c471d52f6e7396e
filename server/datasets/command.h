/* command.h: `gliad dataset import|list|show|delete ...`, the datasets of a data dir's
 * store from the command line. It opens the store (under the data dir's lock, so a live
 * daemon's dir is refused): it belongs to the daemon's side, not to offline/. */
#ifndef GLIA_DATASET_COMMAND_H
#define GLIA_DATASET_COMMAND_H

/* Run `gliad dataset ...` with argv[0] = "dataset"; returns the process exit code. */
int glia_cli_dataset(int argc, char **argv);

#endif
