/* serve.h: `gliad [serve] ...`, the daemon: flags, store, loop, HTTP, until a signal. */
#ifndef GLIA_SERVE_H
#define GLIA_SERVE_H

/* Run the daemon with the flags in argv (flags.c); returns the process exit code. */
int glia_serve(int argc, char **argv);

#endif
