/* cmd_exec.h - what each prompt command does: one function per entry of
 * cmd_table (cmd.c), as tmux's cmd_entry has its exec.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * They act on the prompt (its settings, its transcript, the session), so
 * they live apart from the pure table and its parser: cmd_parse() needs no
 * terminal and no session, and test_cmd calls it alone.
 */
#ifndef BURBLE_CMD_EXEC_H
#define BURBLE_CMD_EXEC_H

#include "cmd.h"

/* Parse a typed command line and run it; a bad line is reported in the
 * transcript and runs nothing. */
void cmd_run(struct prompt *p, const char *line);

void cmd_exec_temp(struct prompt *p, const cmd_result *r);
void cmd_exec_topk(struct prompt *p, const cmd_result *r);
void cmd_exec_topp(struct prompt *p, const cmd_result *r);
void cmd_exec_len(struct prompt *p, const cmd_result *r);
void cmd_exec_seed(struct prompt *p, const cmd_result *r);
void cmd_exec_greedy(struct prompt *p, const cmd_result *r);
void cmd_exec_beam(struct prompt *p, const cmd_result *r);
void cmd_exec_schedule(struct prompt *p, const cmd_result *r);
void cmd_exec_stop(struct prompt *p, const cmd_result *r);
void cmd_exec_continue(struct prompt *p, const cmd_result *r);
void cmd_exec_reset(struct prompt *p, const cmd_result *r);
void cmd_exec_peek(struct prompt *p, const cmd_result *r);
void cmd_exec_pick(struct prompt *p, const cmd_result *r);
void cmd_exec_save(struct prompt *p, const cmd_result *r);
void cmd_exec_load(struct prompt *p, const cmd_result *r);
void cmd_exec_pause(struct prompt *p, const cmd_result *r);	/* and :resume */
void cmd_exec_lr(struct prompt *p, const cmd_result *r);
void cmd_exec_sample(struct prompt *p, const cmd_result *r);
void cmd_exec_rate(struct prompt *p, const cmd_result *r);
void cmd_exec_surprise(struct prompt *p, const cmd_result *r);
void cmd_exec_cell(struct prompt *p, const cmd_result *r);
void cmd_exec_help(struct prompt *p, const cmd_result *r);
void cmd_exec_quit(struct prompt *p, const cmd_result *r);

#endif
