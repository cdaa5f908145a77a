/* cmd.c - the prompt's command table: lookup, validation, completion.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_exec.h"
#include "util.h"

const cmd_entry cmd_table[] = {
	{ "temp", "t", "T", 1, 1, CMD_ARGS_REAL,
	  "a number >= 0 (0 = greedy)",
	  "sampling temperature", CMD_TEMP, cmd_exec_temp },
	{ "topk", "k", "K", 1, 1, CMD_ARGS_INT,
	  "an integer >= 0 (0 = off)",
	  "sample only from the K most likely characters", CMD_TOPK,
	  cmd_exec_topk },
	{ "topp", NULL, "P", 1, 1, CMD_ARGS_REAL,
	  "a number in (0, 1] (1 = off)",
	  "sample from the fewest characters whose probability reaches P",
	  CMD_TOPP, cmd_exec_topp },
	{ "len", NULL, "N", 1, 1, CMD_ARGS_INT,
	  "an integer from 1 to 1000000",
	  "characters per continuation", CMD_LEN, cmd_exec_len },
	{ "seed", NULL, "S", 1, 1, CMD_ARGS_SEED,
	  "an integer from 0 to 18446744073709551615",
	  "re-seed the generator (the same seed gives the same text)",
	  CMD_SEED, cmd_exec_seed },
	{ "greedy", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "temperature 0: always the most likely character", CMD_GREEDY,
	  cmd_exec_greedy },
	{ "beam", NULL, "[N|off]", 0, 1, CMD_ARGS_WIDTH,
	  "a width from 1 to 1000, or off",
	  "continue with the likeliest text a beam of N finds", CMD_BEAM,
	  cmd_exec_beam },
	{ "schedule", NULL, "T,T,...", 1, 1, CMD_ARGS_TEMPS,
	  "a list of temperatures >= 0 separated by commas, at most 16 "
	  "(e.g. 1.0,0.5,0.2)",
	  "cycle these temperatures, one per character", CMD_SCHEDULE,
	  cmd_exec_schedule },
	{ "stop", NULL, "[STR]", 0, 1, CMD_ARGS_STRING_REST,
	  "1 to 63 bytes of text (\\n for a newline, \"...\" to keep spaces)",
	  "also stop a continuation at STR; :stop alone clears the list",
	  CMD_STOP, cmd_exec_stop },
	/* "c" stays :continue now that :cell shares the prefix */
	{ "continue", "c", "", 0, 0, CMD_ARGS_NONE, "",
	  "keep generating from where the last continuation stopped",
	  CMD_CONTINUE, cmd_exec_continue },
	{ "reset", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "forget the generator's hidden state", CMD_RESET, cmd_exec_reset },
	{ "peek", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "show the next-character distribution (top candidates)",
	  CMD_PEEK, cmd_exec_peek },
	{ "pick", NULL, "[N]", 0, 1, CMD_ARGS_INT, "an integer from 1 to 50",
	  "choose each next character from the N likeliest (10)", CMD_PICK,
	  cmd_exec_pick },
	{ "save", NULL, "[PATH]", 0, 1, CMD_ARGS_PATH_REST, "a file name",
	  "save a checkpoint now (default: the output file)", CMD_SAVE,
	  cmd_exec_save },
	{ "load", NULL, "PATH", 1, 1, CMD_ARGS_PATH_REST, "a file name",
	  "generate from another model (training goes on)", CMD_LOAD,
	  cmd_exec_load },
	{ "pause", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "pause training", CMD_PAUSE, cmd_exec_pause },
	{ "resume", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "resume training", CMD_RESUME, cmd_exec_pause },
	{ "lr", NULL, "RATE", 1, 1, CMD_ARGS_REAL,
	  "a number in (0, 10] (e.g. 1e-3)",
	  "set the learning rate", CMD_LR, cmd_exec_lr },
	{ "sample", NULL, "", 0, 0, CMD_ARGS_NONE, "",
	  "sample at each configured temperature now", CMD_SAMPLE,
	  cmd_exec_sample },
	{ "rate", NULL, "N", 1, 1, CMD_ARGS_INT,
	  "an integer from 0 to 1000000 (0 = as fast as possible)",
	  "characters per second shown while streaming", CMD_RATE,
	  cmd_exec_rate },
	{ "surprise", NULL, "[on|off]", 0, 1, CMD_ARGS_ONOFF,
	  "on or off (no argument toggles)",
	  "colour generated text by the model's surprise", CMD_SURPRISE,
	  cmd_exec_surprise },
	{ "cell", NULL, "[L:]N|off", 0, 1, CMD_ARGS_CELL,
	  "a unit N >= 0, or L:N for a layer L >= 1 (e.g. 2:117), or off",
	  "colour the text by a hidden unit's activation", CMD_CELL,
	  cmd_exec_cell },
	{ "help", "?", "[COMMAND]", 0, 1, CMD_ARGS_COMMAND, "a command name",
	  "list the commands and keys, or describe one", CMD_HELP,
	  cmd_exec_help },
	{ "quit", "q", "", 0, 0, CMD_ARGS_NONE, "",
	  "quit (training is saved first)", CMD_QUIT, cmd_exec_quit },
};
const size_t cmd_count = NELEMS(cmd_table);

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

const num_range *
cmd_range(const cmd_entry *ce)
{
	static const num_range len = { .lo = 1, .hi = CMD_MAX_LEN,
	    .integer = 1 };
	static const num_range rate = { .lo = 0, .hi = CMD_MAX_RATE,
	    .integer = 1, .note = "0 = as fast as possible" };
	static const num_range pick = { .lo = 1, .hi = CMD_MAX_PICK,
	    .integer = 1 };

	switch (ce->kind) {
	case CMD_TEMP:
		return setting_range(SETTING_TEMP);
	case CMD_TOPK:
		return setting_range(SETTING_TOP_K);
	case CMD_TOPP:
		return setting_range(SETTING_TOP_P);
	case CMD_LR:
		return setting_range(SETTING_LR);
	case CMD_LEN:
		return &len;
	case CMD_RATE:
		return &rate;
	case CMD_PICK:
		return &pick;
	default:
		return NULL;
	}
}

static int
name_matches(const char *name, const char *s, size_t len)
{
	return strlen(name) >= len && strncmp(name, s, len) == 0;
}

const cmd_entry *
cmd_lookup(const char *name, size_t len, char **cause)
{
	const cmd_entry *found = NULL;
	size_t i, n = 0;

	if (len == 0) {
		set_cause(cause, "empty command; type :help for the list");
		return NULL;
	}
	for (i = 0; i < cmd_count; i++) {
		const cmd_entry *ce = &cmd_table[i];
		if ((strlen(ce->name) == len &&
		    strncmp(ce->name, name, len) == 0) ||
		    (ce->alias != NULL && strlen(ce->alias) == len &&
		    strncmp(ce->alias, name, len) == 0))
			return ce;
		if (name_matches(ce->name, name, len)) {
			found = ce;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n == 0) {
		set_cause(cause, "unknown command: %.*s (type :help for the "
		    "list)", (int)MIN(len, 40), name);
		return NULL;
	}
	if (cause != NULL) {
		char list[512] = "";
		size_t used = 0;
		for (i = 0; i < cmd_count; i++) {
			if (!name_matches(cmd_table[i].name, name, len))
				continue;
			int w = snprintf(list + used, sizeof list - used,
			    "%s%s", used ? ", " : "", cmd_table[i].name);
			if (w < 0 || (size_t)w >= sizeof list - used)
				break;
			used += (size_t)w;
		}
		set_cause(cause, "ambiguous command: %.*s, could be: %s",
		    (int)MIN(len, 40), name, list);
	}
	return NULL;
}

void
cmd_usage(const cmd_entry *ce, char *buf, size_t size)
{
	snprintf(buf, size, "usage: :%s%s%s", ce->name, *ce->args ? " " : "",
	    ce->args);
}

/* The argument's name for messages: "T" from "T", "STR" from "[STR]". */
static void
arg_name(const cmd_entry *ce, char *buf, size_t size)
{
	const char *a = ce->args;
	size_t n;

	if (*a == '[')
		a++;
	n = strcspn(a, "] ");
	snprintf(buf, size, "%.*s", (int)n, a);
}

static int
bad_value(const cmd_entry *ce, const char *arg, char **cause)
{
	char name[32];

	arg_name(ce, name, sizeof name);
	if (strchr(ce->args, '|') != NULL)	/* a choice: "on|off" */
		return set_cause(cause, ":%s: expected %s, got '%.40s%s'",
		    ce->name, ce->allowed, arg, strlen(arg) > 40 ? "..." : "");
	return set_cause(cause, ":%s: %s must be %s, got '%.40s%s'", ce->name,
	    name, ce->allowed, arg, strlen(arg) > 40 ? "..." : "");
}

/* "N", "L:N" or "off". Only the lower bounds are known here: the layers
 * and units of the model are the prompt's to check. */
static int
parse_cell(const cmd_entry *ce, char *tok, cmd_result *r, char **cause)
{
	char *colon = strchr(tok, ':'), *unit = tok;
	long l = 0, u;

	if (strcmp(tok, "off") == 0) {
		r->on = 0;
		return 0;
	}
	if (colon != NULL) {
		*colon = '\0';
		unit = colon + 1;
		if (num_long(tok, &l) != 0 || l < 1 || l > CMD_MAX_CELL)
			l = -1;
		*colon = ':';	/* whole again for the message */
	}
	if (l < 0 || num_long(unit, &u) != 0 || u < 0 || u > CMD_MAX_CELL)
		return bad_value(ce, tok, cause);
	r->on = 1;
	r->layer = (int)l;
	r->unit = (int)u;
	return 0;
}

static int
parse_temps(const cmd_entry *ce, const char *arg, sampler_config *c,
    char **cause)
{
	if (sampler_parse_temps(c, arg, NULL) != 0)
		return bad_value(ce, arg, cause);
	return 0;
}

/* Strip matching quotes; expand \n \t \r \\ \" (strings) */
static char *
unquote(const char *s, size_t n, int escapes)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (escapes && s[i] == '\\' && i + 1 < n) {
			switch (s[i + 1]) {
			case 'n': *o++ = '\n'; i++; continue;
			case 't': *o++ = '\t'; i++; continue;
			case 'r': *o++ = '\r'; i++; continue;
			case '\\': *o++ = '\\'; i++; continue;
			case '"': *o++ = '"'; i++; continue;
			}
		}
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static char *
expand_tilde(char *path)
{
	const char *home = getenv("HOME");
	char *out;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0') ||
	    home == NULL || *home == '\0')
		return path;
	out = xasprintf("%s%s", home, path + 1);
	free(path);
	return out;
}

static int
parse_arg(const cmd_entry *ce, const char *arg, size_t n, cmd_result *r,
    char **cause)
{
	char tok[128];
	double d;

	if (ce->argt != CMD_ARGS_STRING_REST && ce->argt != CMD_ARGS_PATH_REST &&
	    ce->argt != CMD_ARGS_TEMPS) {
		size_t w = strcspn(arg, " \t");
		if (w < n) {
			char usage[128];
			cmd_usage(ce, usage, sizeof usage);
			return set_cause(cause, ":%s: too many arguments; %s",
			    ce->name, usage);
		}
	}
	if (n >= sizeof tok && ce->argt != CMD_ARGS_STRING_REST &&
	    ce->argt != CMD_ARGS_PATH_REST)
		return bad_value(ce, arg, cause);
	if (n < sizeof tok) {
		memcpy(tok, arg, n);
		tok[n] = '\0';
	}

	switch (ce->argt) {
	case CMD_ARGS_NONE:
		break;
	case CMD_ARGS_REAL:
		if (num_parse(cmd_range(ce), tok, &d) != 0)
			return bad_value(ce, tok, cause);
		r->real = d;
		break;
	case CMD_ARGS_INT:
		if (num_parse(cmd_range(ce), tok, &d) != 0)
			return bad_value(ce, tok, cause);
		r->integer = (long)d;
		break;
	case CMD_ARGS_SEED:
		if (num_u64(tok, &r->seed) != 0)
			return bad_value(ce, tok, cause);
		break;
	case CMD_ARGS_TEMPS:
		if (parse_temps(ce, tok, &r->temps, cause) != 0)
			return -1;
		break;
	case CMD_ARGS_ONOFF:
		if (strcmp(tok, "on") == 0 || strcmp(tok, "1") == 0)
			r->on = 1;
		else if (strcmp(tok, "off") == 0 || strcmp(tok, "0") == 0)
			r->on = 0;
		else
			return bad_value(ce, tok, cause);
		break;
	case CMD_ARGS_CELL:
		if (parse_cell(ce, tok, r, cause) != 0)
			return -1;
		break;
	case CMD_ARGS_WIDTH:
		r->on = strcmp(tok, "off") != 0;
		if (r->on && num_parse(setting_range(SETTING_BEAM), tok, &d) != 0)
			return bad_value(ce, tok, cause);
		r->integer = r->on ? (long)d : 0;
		break;
	case CMD_ARGS_COMMAND: {
		const char *t = tok[0] == ':' ? tok + 1 : tok;
		char *why = NULL;
		const cmd_entry *h = cmd_lookup(t, strlen(t), &why);
		if (h == NULL) {
			set_cause(cause, ":help: %s", why);
			free(why);
			return -1;
		}
		r->str = xstrdup(h->name);
		break;
	}
	case CMD_ARGS_STRING_REST:
		r->str = unquote(arg, n, 1);
		if (r->str[0] == '\0' || strlen(r->str) > CMD_MAX_STOP) {
			free(r->str);
			r->str = NULL;
			return bad_value(ce, arg, cause);
		}
		break;
	case CMD_ARGS_PATH_REST:
		r->str = expand_tilde(unquote(arg, n, 0));
		if (r->str[0] == '\0') {
			free(r->str);
			r->str = NULL;
			return bad_value(ce, "", cause);
		}
		break;
	}
	r->nargs = 1;
	return 0;
}

int
cmd_parse(const char *line, cmd_result *r, char **cause)
{
	const cmd_entry *ce;
	const char *name, *arg;
	size_t nlen, alen;

	memset(r, 0, sizeof *r);
	r->on = -1;
	while (is_blank(*line))
		line++;
	if (*line == ':')
		line++;
	name = line;
	nlen = strcspn(name, " \t");
	if ((ce = cmd_lookup(name, nlen, cause)) == NULL)
		return -1;
	arg = name + nlen;
	while (is_blank(*arg))
		arg++;
	alen = strlen(arg);
	while (alen > 0 && (is_blank(arg[alen - 1]) || arg[alen - 1] == '\n'))
		alen--;

	if (alen == 0) {
		if (ce->min_args > 0) {
			char an[32];
			arg_name(ce, an, sizeof an);
			return set_cause(cause, ":%s: missing %s, %s", ce->name,
			    an, ce->allowed);
		}
	} else if (ce->max_args == 0) {
		return set_cause(cause, ":%s takes no argument", ce->name);
	} else if (parse_arg(ce, arg, alen, r, cause) != 0) {
		return -1;
	}
	r->cmd = ce;
	return 0;
}

void
cmd_result_free(cmd_result *r)
{
	free(r->str);
	r->str = NULL;
}

size_t
cmd_complete(const char *prefix, size_t len, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < cmd_count; i++) {
		if (!name_matches(cmd_table[i].name, prefix, len))
			continue;
		if (n < max)
			out[n] = cmd_table[i].name;
		n++;
	}
	return n;
}

enum cmd_complete_what
cmd_complete_what(const char *line, size_t start)
{
	const cmd_entry *ce;
	size_t i = 0, nlen;

	while (is_blank(line[i]))
		i++;
	if (line[i] != ':' || start < i)
		return CMD_COMPLETE_NONE;
	i++;
	nlen = strcspn(line + i, " \t");
	if (start <= i + nlen)
		return CMD_COMPLETE_COMMAND;
	if ((ce = cmd_lookup(line + i, nlen, NULL)) == NULL)
		return CMD_COMPLETE_NONE;
	switch (ce->argt) {
	case CMD_ARGS_PATH_REST:
		return CMD_COMPLETE_FILE;
	case CMD_ARGS_ONOFF:
		return CMD_COMPLETE_ONOFF;
	case CMD_ARGS_COMMAND:
		return CMD_COMPLETE_HELP;
	default:
		return CMD_COMPLETE_NONE;
	}
}
