/* test_cmd.c - the prompt's command table: lookup, validation, completion.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "tap.h"
#include "util.h"

/* Parse line; expect success. Leaves the result in *r. */
static int
good(const char *line, cmd_result *r, enum cmd_kind kind)
{
	char *cause = NULL;
	int rc = cmd_parse(line, r, &cause);
	if (rc != 0) {
		diag("%s: %s", line, cause);
		free(cause);
		return 0;
	}
	return r->cmd != NULL && r->cmd->kind == kind;
}

/* Parse line; expect failure with a message containing want. */
static void
bad(const char *line, const char *want)
{
	cmd_result r;
	char *cause = NULL;
	int rc = cmd_parse(line, &r, &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, want) != NULL &&
	    strchr(cause, '\n') == NULL, "'%s' is refused: %s", line,
	    cause ? cause : "(no message)");
	if (rc == 0)
		cmd_result_free(&r);
	free(cause);
}

static void
test_lookup(void)
{
	const cmd_entry *ce;
	char *cause = NULL;

	ce = cmd_lookup("temp", 4, &cause);
	ok(ce != NULL && ce->kind == CMD_TEMP, "exact name");
	ce = cmd_lookup("te", 2, &cause);
	ok(ce != NULL && ce->kind == CMD_TEMP, "unique prefix te -> temp");
	ce = cmd_lookup("t", 1, &cause);
	ok(ce != NULL && ce->kind == CMD_TEMP, "alias t -> temp");
	ce = cmd_lookup("q", 1, &cause);
	ok(ce != NULL && ce->kind == CMD_QUIT, "alias q -> quit");
	ce = cmd_lookup("schedxyz", 5, &cause);
	ok(ce != NULL && ce->kind == CMD_SCHEDULE, "only len bytes count");

	ce = cmd_lookup("to", 2, &cause);
	ok(ce == NULL && cause != NULL &&
	    strcmp(cause, "ambiguous command: to, could be: topk, topp") == 0,
	    "ambiguous: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ce = cmd_lookup("s", 1, &cause);
	ok(ce == NULL && cause != NULL && strcmp(cause, "ambiguous command: "
	    "s, could be: seed, schedule, stop, save, sample, surprise") == 0,
	    "ambiguous lists every candidate: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ce = cmd_lookup("re", 2, &cause);
	ok(ce == NULL && cause != NULL && strstr(cause, "reset") &&
	    strstr(cause, "resume") && !strstr(cause, "rate"),
	    "ambiguous re: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ce = cmd_lookup("frob", 4, &cause);
	ok(ce == NULL && cause != NULL &&
	    strncmp(cause, "unknown command: frob", 21) == 0,
	    "unknown: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ce = cmd_lookup("tempo", 5, &cause);
	ok(ce == NULL && cause != NULL && strstr(cause, "unknown") != NULL,
	    "longer than the name is unknown");
	free(cause);
	ok(cmd_lookup("x", 1, NULL) == NULL, "NULL cause is allowed");

	/* Every name is reachable by itself and unique. */
	int all = 1;
	for (size_t i = 0; i < cmd_count; i++) {
		const cmd_entry *e = &cmd_table[i];
		if (cmd_lookup(e->name, strlen(e->name), NULL) != e)
			all = 0;
		if (e->help == NULL || *e->help == '\0' || e->args == NULL)
			all = 0;
		if (e->min_args > e->max_args)
			all = 0;
	}
	ok(all, "all %zu commands found by their own name, with help",
	    cmd_count);
}

static void
test_numbers(void)
{
	cmd_result r;

	ok(good(":temp 0.7", &r, CMD_TEMP) && fabs(r.real - 0.7) < 1e-12,
	    ":temp 0.7");
	ok(good(":te 0.7", &r, CMD_TEMP) && fabs(r.real - 0.7) < 1e-12,
	    ":te 0.7 (prefix)");
	ok(good("  :temp   0  ", &r, CMD_TEMP) && r.real == 0 && r.nargs == 1,
	    "blanks around, 0 is allowed");
	ok(good("temp 1e-1", &r, CMD_TEMP) && fabs(r.real - 0.1) < 1e-12,
	    "no colon, exponent");
	ok(good(":temp -0", &r, CMD_TEMP) && r.real == 0 && !signbit(r.real),
	    ":temp -0 is 0");
	bad(":temp -0.1", ":temp: T must be a number >= 0 (0 = greedy), "
	    "got '-0.1'");
	bad(":temp abc", "must be a number >= 0");
	bad(":temp 0.5x", "got '0.5x'");
	bad(":temp nan", "must be a number");
	bad(":temp inf", "must be a number");
	bad(":temp 0x1p-2", "must be a number");
	bad(":temp 1e999", "must be a number");
	bad(":temp", ":temp: missing T, a number >= 0 (0 = greedy)");
	bad(":temp 0.5 0.6", ":temp: too many arguments; usage: :temp T");

	ok(good(":topk 40", &r, CMD_TOPK) && r.integer == 40, ":topk 40");
	ok(good(":topk 0", &r, CMD_TOPK) && r.integer == 0, ":topk 0 (off)");
	bad(":topk -1", "K must be an integer >= 0 (0 = off)");
	bad(":topk 2.5", "K must be an integer >= 0");
	bad(":topk 99999999999999999999", "must be an integer");

	ok(good(":topp 0.9", &r, CMD_TOPP) && fabs(r.real - 0.9) < 1e-12,
	    ":topp 0.9");
	ok(good(":topp 1", &r, CMD_TOPP) && r.real == 1, ":topp 1 (off)");
	bad(":topp 0", "P must be a number in (0, 1] (1 = off), got '0'");
	bad(":topp 1.5", "P must be a number in (0, 1]");
	bad(":topp -0.2", "in (0, 1]");

	ok(good(":len 1", &r, CMD_LEN) && r.integer == 1, ":len 1");
	ok(good(":len 1000000", &r, CMD_LEN) && r.integer == 1000000,
	    ":len 1000000");
	bad(":len 0", "N must be an integer from 1 to 1000000, got '0'");
	bad(":len 1000001", "from 1 to 1000000");
	bad(":len ten", "from 1 to 1000000");

	ok(good(":seed 7", &r, CMD_SEED) && r.seed == 7, ":seed 7");
	ok(good(":seed 18446744073709551615", &r, CMD_SEED) &&
	    r.seed == UINT64_MAX, ":seed 2^64-1");
	bad(":seed -1", "S must be an integer from 0 to 18446744073709551615");
	bad(":seed 18446744073709551616", "from 0 to");
	bad(":seed x", "from 0 to");

	ok(good(":lr 1e-3", &r, CMD_LR) && fabs(r.real - 1e-3) < 1e-15,
	    ":lr 1e-3");
	bad(":lr 0", "RATE must be a number in (0, 10] (e.g. 1e-3), got '0'");
	bad(":lr -1", "in (0, 10]");
	/* One range table with the command line: --lr is (0, 10]. */
	ok(good(":lr 10", &r, CMD_LR) && r.real == 10, ":lr 10");
	bad(":lr 11", "in (0, 10]");
	/* Values a float cannot hold: a rate of 1e-300 would train at 0. */
	bad(":lr 1e-300", "got '1e-300'");
	bad(":topp 1e-300", "got '1e-300'");
	bad(":temp 1e39", "got '1e39'");
	/* Plain decimals only. */
	bad(":temp 0x10", "got '0x10'");
	bad(":len 0x10", "got '0x10'");
	bad(":len 1e3", "got '1e3'");
	bad(":topk +-5", "got '+-5'");
	bad(":temp 1.5e", "got '1.5e'");
	bad(":temp .", "got '.'");
	ok(good(":temp .5", &r, CMD_TEMP) && r.real == 0.5, ":temp .5");
	ok(good(":topk +5", &r, CMD_TOPK) && r.integer == 5, ":topk +5");

	ok(good(":rate 200", &r, CMD_RATE) && r.integer == 200, ":rate 200");
	ok(good(":rate 0", &r, CMD_RATE) && r.integer == 0,
	    ":rate 0 (as fast as possible)");
	bad(":rate -5", "N must be an integer from 0 to 1000000 (0 = as fast "
	    "as possible)");
}

/* The messages say what the range table allows, word for word. */
static void
test_allowed_matches_ranges(void)
{
	for (size_t i = 0; i < cmd_count; i++) {
		const num_range *nr = cmd_range(&cmd_table[i]);
		char want[96];

		if (nr == NULL)
			continue;
		num_describe(nr, want, sizeof want);
		ok(strcmp(want, cmd_table[i].allowed) == 0,
		    ":%s says '%s' (the table: '%s')", cmd_table[i].name,
		    cmd_table[i].allowed, want);
	}
}

static void
test_schedule(void)
{
	cmd_result r;

	ok(good(":schedule 1.0,0.5,0.2", &r, CMD_SCHEDULE) &&
	    r.temps.ntemps == 3 && r.temps.temps[0] == 1.0f &&
	    r.temps.temps[1] == 0.5f && fabsf(r.temps.temps[2] - 0.2f) < 1e-7f,
	    ":schedule 1.0,0.5,0.2");
	ok(good(":sch 1.0, 0.5", &r, CMD_SCHEDULE) && r.temps.ntemps == 2,
	    "blanks after commas are fine");
	ok(good(":schedule 0.3", &r, CMD_SCHEDULE) && r.temps.ntemps == 1,
	    "a single temperature");
	bad(":schedule 1.0,-0.5", ":schedule: T,T,... must be a list of "
	    "temperatures >= 0 separated by commas, at most 16 "
	    "(e.g. 1.0,0.5,0.2), got '1.0,-0.5'");
	bad(":schedule 1.0,,0.5", "separated by commas");
	bad(":schedule 1.0,", "separated by commas");
	bad(":schedule a,b", "separated by commas");
	bad(":schedule 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", "at most 16");
	ok(good(":schedule 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", &r, CMD_SCHEDULE)
	    && r.temps.ntemps == 16, "16 temperatures are allowed");
	bad(":schedule", ":schedule: missing T,T,..., a list of temperatures");
}

static void
test_strings(void)
{
	cmd_result r;

	ok(good(":stop the end", &r, CMD_STOP) && r.str != NULL &&
	    strcmp(r.str, "the end") == 0, ":stop takes the rest of the line");
	cmd_result_free(&r);
	ok(good(":stop \\n\\n", &r, CMD_STOP) && r.str != NULL &&
	    strcmp(r.str, "\n\n") == 0, ":stop \\n\\n is two newlines");
	cmd_result_free(&r);
	ok(good(":stop \" and \"", &r, CMD_STOP) && r.str != NULL &&
	    strcmp(r.str, " and ") == 0, "quotes keep blanks");
	cmd_result_free(&r);
	ok(good(":stop", &r, CMD_STOP) && r.str == NULL && r.nargs == 0,
	    ":stop alone clears");
	ok(good(":stop Привет", &r, CMD_STOP) && r.str != NULL &&
	    strcmp(r.str, "Привет") == 0, "UTF-8 stop string");
	cmd_result_free(&r);
	bad(":stop \"\"", "STR must be 1 to 63 bytes of text");
	bad(":stop 0123456789012345678901234567890123456789012345678901234567"
	    "890123", "1 to 63 bytes of text (\\n for a newline, \"...\" to keep "
	    "spaces), got '0123456789012345678901234567890123456789...'");

	ok(good(":save", &r, CMD_SAVE) && r.str == NULL, ":save alone");
	ok(good(":save /tmp/a b.safetensors", &r, CMD_SAVE) && r.str != NULL &&
	    strcmp(r.str, "/tmp/a b.safetensors") == 0, ":save PATH with a "
	    "blank");
	cmd_result_free(&r);
	setenv("HOME", "/home/u", 1);
	ok(good(":load ~/m.safetensors", &r, CMD_LOAD) && r.str != NULL &&
	    strcmp(r.str, "/home/u/m.safetensors") == 0, ":load expands ~/");
	cmd_result_free(&r);
	ok(good(":load \"x y\"", &r, CMD_LOAD) && r.str != NULL &&
	    strcmp(r.str, "x y") == 0, ":load \"quoted\"");
	cmd_result_free(&r);
	bad(":load", ":load: missing PATH, a file name");

	ok(good(":surprise", &r, CMD_SURPRISE) && r.on == -1,
	    ":surprise toggles");
	ok(good(":surprise on", &r, CMD_SURPRISE) && r.on == 1,
	    ":surprise on");
	ok(good(":surprise off", &r, CMD_SURPRISE) && r.on == 0,
	    ":surprise off");
	bad(":surprise maybe", ":surprise: expected on or off (no argument "
	    "toggles), got 'maybe'");

	ok(good(":help", &r, CMD_HELP) && r.str == NULL, ":help");
	ok(good(":help te", &r, CMD_HELP) && r.str != NULL &&
	    strcmp(r.str, "temp") == 0, ":help te -> temp");
	cmd_result_free(&r);
	ok(good(":? :sch", &r, CMD_HELP) && r.str != NULL &&
	    strcmp(r.str, "schedule") == 0, ":? :sch -> schedule");
	cmd_result_free(&r);
	bad(":help zz", ":help: unknown command: zz");
	bad(":help to", ":help: ambiguous command: to, could be: topk, topp");
}

static void
test_cell(void)
{
	cmd_result r;

	ok(good(":cell 5", &r, CMD_CELL) && r.nargs == 1 && r.on == 1 &&
	    r.layer == 0 && r.unit == 5, ":cell 5: unit 5 of the last layer");
	ok(good(":cell 2:117", &r, CMD_CELL) && r.on == 1 && r.layer == 2 &&
	    r.unit == 117, ":cell 2:117: layer 2, unit 117");
	ok(good(":cell off", &r, CMD_CELL) && r.nargs == 1 && r.on == 0,
	    ":cell off");
	ok(good(":cell", &r, CMD_CELL) && r.nargs == 0, ":cell alone");
	ok(good(":ce 0", &r, CMD_CELL) && r.unit == 0, ":ce 0 (a prefix)");
	bad(":cell -1", ":cell: expected a unit N >= 0, or L:N for a layer "
	    "L >= 1 (e.g. 2:117), or off, got '-1'");
	bad(":cell x", ":cell: expected a unit N >= 0");
	bad(":cell 0:3", "got '0:3'");
	bad(":cell 1:", "got '1:'");
	bad(":cell :4", "got ':4'");
	bad(":cell 1:2:3", "got '1:2:3'");
	bad(":cell 1e3", "got '1e3'");
	bad(":cell 5 6", ":cell: too many arguments; usage: :cell [L:]N|off");
	ok(good(":c", &r, CMD_CONTINUE), ":c is still :continue (alias)");
}

/* :beam N|off and :pick [N]. */
static void
test_beam_pick(void)
{
	cmd_result r;

	ok(good(":beam 8", &r, CMD_BEAM) && r.nargs == 1 && r.on == 1 &&
	    r.integer == 8, ":beam 8");
	ok(good(":beam 1000", &r, CMD_BEAM) && r.integer == 1000,
	    ":beam 1000");
	ok(good(":beam off", &r, CMD_BEAM) && r.nargs == 1 && r.on == 0 &&
	    r.integer == 0, ":beam off");
	ok(good(":beam", &r, CMD_BEAM) && r.nargs == 0, ":beam alone");
	ok(good(":b 3", &r, CMD_BEAM) && r.integer == 3, ":b 3 (a prefix)");
	bad(":beam 0", ":beam: expected a width from 1 to 1000, or off, got "
	    "'0'");
	bad(":beam 1001", "got '1001'");
	bad(":beam x", "got 'x'");
	bad(":beam 2.5", "got '2.5'");
	bad(":beam 4 4", ":beam: too many arguments; usage: :beam [N|off]");

	ok(good(":pick", &r, CMD_PICK) && r.nargs == 0, ":pick alone");
	ok(good(":pick 5", &r, CMD_PICK) && r.nargs == 1 && r.integer == 5,
	    ":pick 5");
	ok(good(":pi 50", &r, CMD_PICK) && r.integer == 50, ":pi 50");
	bad(":pick 0", ":pick: N must be an integer from 1 to 50, got '0'");
	bad(":pick 51", "got '51'");
	bad(":pick off", "got 'off'");
	bad(":pick 3 4", ":pick: too many arguments; usage: :pick [N]");
}

static void
test_no_args(void)
{
	static const struct {
		const char *line;
		enum cmd_kind kind;
	} t[] = {
		{ ":greedy", CMD_GREEDY }, { ":continue", CMD_CONTINUE },
		{ ":reset", CMD_RESET }, { ":peek", CMD_PEEK },
		{ ":pause", CMD_PAUSE }, { ":resume", CMD_RESUME },
		{ ":sample", CMD_SAMPLE }, { ":quit", CMD_QUIT },
		{ ":c", CMD_CONTINUE }, { ":g", CMD_GREEDY },
	};
	cmd_result r;

	for (size_t i = 0; i < NELEMS(t); i++)
		ok(good(t[i].line, &r, t[i].kind), "%s", t[i].line);
	bad(":greedy 1", ":greedy takes no argument");
	bad(":peek now", ":peek takes no argument");
	bad(":", "empty command");
	bad(":p", "ambiguous command: p, could be: peek, pick, pause");
}

static void
test_completion(void)
{
	const char *out[32];
	size_t n;

	n = cmd_complete("te", 2, out, NELEMS(out));
	ok(n == 1 && strcmp(out[0], "temp") == 0, "te -> temp");
	n = cmd_complete("to", 2, out, NELEMS(out));
	ok(n == 2 && strcmp(out[0], "topk") == 0 && strcmp(out[1], "topp") == 0,
	    "to -> topk topp");
	n = cmd_complete("s", 1, out, NELEMS(out));
	ok(n == 6, "s -> 6 commands (%zu)", n);
	n = cmd_complete("", 0, out, NELEMS(out));
	ok(n == cmd_count, "empty prefix -> every command");
	n = cmd_complete("s", 1, out, 2);
	ok(n == 6 && strcmp(out[1], "schedule") == 0,
	    "the count is total, out holds at most max");
	n = cmd_complete("zz", 2, out, NELEMS(out));
	ok(n == 0, "zz -> nothing");

	ok(cmd_complete_what(":te", 0) == CMD_COMPLETE_COMMAND,
	    ":te| completes a command");
	ok(cmd_complete_what(":te", 1) == CMD_COMPLETE_COMMAND,
	    ":te (word after colon) completes a command");
	ok(cmd_complete_what(":load ", 6) == CMD_COMPLETE_FILE,
	    ":load | completes a file");
	ok(cmd_complete_what(":sav /tm", 5) == CMD_COMPLETE_FILE,
	    ":sav /tm| completes a file");
	ok(cmd_complete_what(":surprise o", 10) == CMD_COMPLETE_ONOFF,
	    ":surprise o| completes on/off");
	ok(cmd_complete_what(":help te", 6) == CMD_COMPLETE_HELP,
	    ":help te| completes a command name");
	ok(cmd_complete_what(":temp 0", 6) == CMD_COMPLETE_NONE,
	    ":temp 0| has nothing to complete");
	ok(cmd_complete_what("Alice was", 6) == CMD_COMPLETE_NONE,
	    "a prime has nothing to complete");
	ok(cmd_complete_what(":s x", 3) == CMD_COMPLETE_NONE,
	    "an ambiguous command has no argument completion");
}

/* Running a command is a table lookup: every entry has its exec function,
 * and only :pause and :resume share one (it tells them apart by kind). */
static void
test_exec(void)
{
	size_t i, j, shared = 0, missing = 0;

	for (i = 0; i < cmd_count; i++) {
		if (cmd_table[i].exec == NULL) {
			diag(":%s has no exec function", cmd_table[i].name);
			missing++;
		}
		for (j = i + 1; j < cmd_count; j++)
			if (cmd_table[i].exec == cmd_table[j].exec)
				shared++;
	}
	ok(missing == 0, "every command has an exec function");
	ok(shared == 1, "one exec function per command but :pause/:resume "
	    "(%zu shared)", shared);
}

int
main(void)
{
	test_lookup();
	test_exec();
	test_numbers();
	test_allowed_matches_ranges();
	test_schedule();
	test_strings();
	test_no_args();
	test_cell();
	test_beam_pick();
	test_completion();
	return tap_done();
}
