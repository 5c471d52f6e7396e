/* command.h: `gliad dataset import|list|show|delete ...`, the datasets of a data dir's
 * store from the command line. It opens the store (under the data dir's lock, so a live
 * daemon's dir is refused): it belongs to the daemon's side, not to offline/. */
#ifndef GLIA_DATASET_COMMAND_H
#define GLIA_DATASET_COMMAND_H

#include "server/datasets/load.h"

/* Load the dataset a preset names (digits, iris, wine, breast-cancer, fashion-mnist) from
 * the files Debian installs, as `gliad dataset import --preset` would store it. 0 with *out
 * filled (glia_dataset_loaded_destroy), GLIA_ENOENT for no such preset, or 1 after saying
 * on stderr why the files could not be read. */
int glia_dataset_preset_load(const char *name, glia_dataset_loaded_t *out);

/* Run `gliad dataset ...` with argv[0] = "dataset"; returns the process exit code. */
int glia_cli_dataset(int argc, char **argv);

#endif
