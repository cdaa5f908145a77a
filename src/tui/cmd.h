/* cmd.h - the prompt's command table (:temp, :topk, ...): lookup by unique
 * prefix, argument validation and completion.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure: no curses, no readline, no session. The commands are const data in
 * the manner of tmux's command table; cmd_parse() turns a typed line into a
 * cmd_result without side effects, and the entry's exec function (in
 * cmd_exec.c, declared in cmd_exec.h) runs it. A bad line gives a one-line
 * *cause that says what is allowed, and nothing is run.
 */
#ifndef BURBLE_CMD_H
#define BURBLE_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "num.h"
#include "sampler.h"

#define CMD_MAX_LEN 1000000	/* :len upper bound */
#define CMD_MAX_RATE 1000000	/* :rate upper bound (chars/s) */
#define CMD_MAX_STOP 63		/* bytes in one stop string */
#define CMD_MAX_CELL 999999	/* :cell layer and unit upper bound */
#define CMD_MAX_PICK 50		/* :pick choices (PEEK_MAX) */

enum cmd_kind {
	CMD_TEMP,
	CMD_TOPK,
	CMD_TOPP,
	CMD_LEN,
	CMD_SEED,
	CMD_GREEDY,
	CMD_BEAM,
	CMD_SCHEDULE,
	CMD_STOP,
	CMD_CONTINUE,
	CMD_RESET,
	CMD_PEEK,
	CMD_PICK,
	CMD_SAVE,
	CMD_LOAD,
	CMD_PAUSE,
	CMD_RESUME,
	CMD_LR,
	CMD_SAMPLE,
	CMD_RATE,
	CMD_SURPRISE,
	CMD_CELL,
	CMD_HELP,
	CMD_QUIT,
};

/* How the arguments are read. The *_REST kinds take the rest of the line
 * as one argument (it may hold spaces). */
enum cmd_args {
	CMD_ARGS_NONE,
	CMD_ARGS_REAL,		/* one number (locale independent) */
	CMD_ARGS_INT,		/* one integer */
	CMD_ARGS_SEED,		/* one unsigned 64-bit integer */
	CMD_ARGS_TEMPS,		/* a comma-separated list of temperatures */
	CMD_ARGS_ONOFF,		/* on | off (optional: toggle) */
	CMD_ARGS_CELL,		/* [L:]N | off: a hidden unit */
	CMD_ARGS_WIDTH,		/* N | off: a beam width */
	CMD_ARGS_COMMAND,	/* a command name (optional) */
	CMD_ARGS_STRING_REST,	/* a string with \n \t \\ escapes, or "..." */
	CMD_ARGS_PATH_REST,	/* a file name */
};

struct prompt;
struct cmd_result;

typedef struct cmd_entry {
	const char *name;
	const char *alias;	/* NULL if none */
	const char *args;	/* usage of the arguments, "" if none */
	int min_args, max_args;
	enum cmd_args argt;
	const char *allowed;	/* what a valid argument is, for messages */
	const char *help;	/* one line */
	enum cmd_kind kind;
	/* What it does, given the parsed line (cmd_exec.c). */
	void (*exec)(struct prompt *p, const struct cmd_result *r);
} cmd_entry;

extern const cmd_entry cmd_table[];
extern const size_t cmd_count;

/* A parsed, validated command. */
typedef struct cmd_result {
	const cmd_entry *cmd;
	int nargs;		/* 0 or 1 */
	double real;		/* :temp :topp :lr */
	long integer;		/* :topk :len :rate :pick, :beam (on 1) */
	uint64_t seed;		/* :seed */
	sampler_config temps;	/* :schedule (temps, ntemps only) */
	int on;			/* :surprise: -1 toggle, 0 off, 1 on;
				   :cell: 0 off, 1 a unit; :beam: 0 off,
				   1 a width */
	int layer, unit;	/* :cell: layer from 1 (0: the last), unit
				   from 0; only the lower bounds are
				   checked, the model knows the rest */
	char *str;		/* :stop, :save, :load, :help argument, or
				   NULL when none was given; allocated */
} cmd_result;

/* Find a command by name, alias or unique prefix (an exact name wins).
 * NULL with *cause: "unknown command: x" or "ambiguous command: te, could
 * be: temp, ..." */
const cmd_entry *cmd_lookup(const char *name, size_t len, char **cause);
/* Parse a command line (a leading ':' and blanks are skipped). 0 on
 * success; -1 and a one-line *cause otherwise. cmd_result_free() after a
 * success. */
int cmd_parse(const char *line, cmd_result *r, char **cause);
void cmd_result_free(cmd_result *r);

/* "usage: :temp T" into buf. */
void cmd_usage(const cmd_entry *ce, char *buf, size_t size);

/* Completion: the names of commands starting with prefix (no ':'), in
 * table order; returns how many there are, storing at most max in out. */
size_t cmd_complete(const char *prefix, size_t len, const char **out,
    size_t max);

enum cmd_complete_what {
	CMD_COMPLETE_NONE,	/* not a command, or no argument to complete */
	CMD_COMPLETE_COMMAND,	/* the command name (after ':') */
	CMD_COMPLETE_FILE,	/* a file name (:save, :load) */
	CMD_COMPLETE_ONOFF,	/* on / off (:surprise) */
	CMD_COMPLETE_HELP,	/* a command name as :help's argument */
};
/* What the word that starts at byte offset start of line is. */
enum cmd_complete_what cmd_complete_what(const char *line, size_t start);

/* The values a numeric command takes (NULL for others): the settings
 * the command line also has come from num.h's table. */
const num_range *cmd_range(const cmd_entry *ce);

#endif
