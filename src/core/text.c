/* text.c - corpora as sequences of Unicode code points, vocabularies, batches.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How a corpus is read (the choices text.h leaves open are made here):
 *
 *  - Each file is read whole: a regular file is memory-mapped, anything else
 *    (standard input, a pipe or FIFO, /proc) is read into a buffer that
 *    doubles as it fills. Files stay mapped until the corpus is encoded. A
 *    directory, a device or a socket is refused before it is opened, so
 *    that nothing blocks on a device (file_open_read).
 *  - Two passes over the bytes. The first validates (strict UTF-8: no
 *    overlong forms, surrogates, code points above U+10FFFF or truncated
 *    sequences; no NUL byte), normalises and counts every symbol. The
 *    vocabulary is built from the counts; the second pass, over the same
 *    already-validated bytes, writes the ids into an array of the exact
 *    size. Memory is the files plus 2 bytes per symbol plus two tables
 *    indexed by code point (about 11 MB, touched only where used).
 *  - Per file: a leading byte-order mark (EF BB BF) is dropped. Line ends
 *    are normalised to LF: CRLF becomes LF, and so does a lone CR (old Mac
 *    files; a CR on its own is never wanted in generated text). Files are
 *    concatenated as they are, like cat(1): nothing is inserted between
 *    them (in record mode each file ends its last record).
 *  - Lowercasing comes first, then the filter. Both use a "C.UTF-8" locale
 *    object (utf8.c: towlower_l, iswprint_l), so they never depend on the
 *    global locale; where that locale does not exist, a built-in table
 *    covers Latin-1, Latin Extended-A, Greek and Cyrillic.
 *  - TEXT_FILTER_PRINTABLE keeps what one expects of printable text:
 *    letters, marks, digits, punctuation, symbols and spaces (iswprint),
 *    plus newline and tab. It drops control characters (C0, DEL, C1, also
 *    vertical tab, form feed and U+2028/U+2029) and format characters
 *    (soft hyphen, zero-width space, bidi controls, a byte-order mark in
 *    the middle of the text), except the zero-width joiner and non-joiner
 *    and the emoji tag characters, which Persian, Indic scripts and emoji
 *    sequences need.
 *  - TEXT_FILTER_SET keeps exactly the code points of filter_set and
 *    nothing else (so also no newline unless the set holds one); the set
 *    is not lowercased.
 *  - Records (o->lines or o->record_sep): a record ends at each LF with
 *    lines, at each line that holds exactly record_sep (compared as raw
 *    bytes, before lowercasing; "" makes blank lines the separators, i.e.
 *    paragraphs), and at the end of each file. Leading and trailing
 *    newlines of a record are dropped, inner ones kept; a record with
 *    nothing left is dropped; every other record is followed by the EOR
 *    symbol, which takes the place of its final newline.
 *  - min_count > 1: characters seen fewer than min_count times become the
 *    unknown symbol, which is then always in the vocabulary, even when no
 *    character was folded, so that text read later (eval, a prime) can map
 *    characters it has never seen. The specials are never folded.
 *  - With both lines and record_sep, lines wins.
 *  - A file that shrinks while it is mapped can still end the process with
 *    SIGBUS; a file that changes between the passes is an error.
 *  - Messages name the file as the user gave it ("stdin" for "-"); problems
 *    of the whole corpus name the corpus (its display name with several
 *    files). Byte offsets are 0-based, as in iconv(1) and Python.
 */
#include "config.h"

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* freelocale, O_CLOEXEC */
#endif

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "text.h"
#include "util.h"
#include "words.h"

#define NSYMS (TEXT_EOR + 1)	/* code points and the two specials */
#define MAX_MISSING_SHOWN 5
#define BMP_DROP UINT32_MAX

/* "'ж' (U+0436)" ("'ж'" when brief), "U+000A", "the end-of-record
 * symbol"; into buf. */
static const char *
describe_sym(uint32_t cp, int brief, char buf[32])
{
	char u[5];

	if (cp == TEXT_EOR)
		return "the end-of-record symbol";
	if (cp == TEXT_UNK)
		return "the unknown symbol";
	if (utf8_showable(cp)) {
		u[utf8_encode(cp, u)] = '\0';
		if (brief)
			snprintf(buf, 32, "'%s'", u);
		else
			snprintf(buf, 32, "'%s' (U+%04X)", u, (unsigned)cp);
	} else
		snprintf(buf, 32, "U+%04X", (unsigned)cp);
	return buf;
}

/* ---- options and vocabularies ----------------------------------------- */

void
text_opts_free(text_opts *o)
{
	if (o == NULL)
		return;
	free(o->filter_set);
	free(o->record_sep);
	memset(o, 0, sizeof *o);
}

/* dst is overwritten (not freed first). */
void
text_opts_copy(text_opts *dst, const text_opts *src)
{
	*dst = *src;
	dst->filter_set = src->filter_set ? xstrdup(src->filter_set) : NULL;
	dst->record_sep = src->record_sep ? xstrdup(src->record_sep) : NULL;
}

static const char *const filter_names[] = { "none", "printable", "set" };

const char *
text_filter_name(int filter)
{
	if (filter < 0 || (size_t)filter >= NELEMS(filter_names))
		return filter_names[TEXT_FILTER_NONE];
	return filter_names[filter];
}

int
text_filter_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(filter_names); i++)
		if (strcmp(s, filter_names[i]) == 0)
			return (int)i;
	return -1;
}

void
corpus_free(corpus *c)
{
	if (c == NULL)
		return;
	free(c->ids);
	vocab_free(&c->voc);
	free(c->name);
	memset(c, 0, sizeof *c);
	c->voc.unk = c->voc.eor = -1;
}

/* ---- reading files ---------------------------------------------------- */

struct source {
	const char *label;	/* the path as given, "stdin" for "-" */
	unsigned char *p;	/* (len) */
	size_t len;
	int mapped;		/* p is an mmap, else malloc'd */
};

static void
source_free(struct source *s)
{
	if (s->mapped)
		munmap(s->p, s->len);
	else
		free(s->p);
	s->p = NULL;
	s->len = 0;
}

/* Read fd to its end into a buffer that grows geometrically. */
static int
read_all(int fd, struct source *s, char **cause)
{
	size_t cap = 64 * 1024, len = 0;
	unsigned char *p = xmalloc(cap);
	ssize_t r;

	for (;;) {
		if (len == cap) {
			if (cap > SIZE_MAX / 2) {
				free(p);
				return set_cause(cause, "%s: too large",
				    s->label);
			}
			cap *= 2;
			p = xreallocarray(p, cap, 1);
		}
		r = read(fd, p + len, cap - len);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			return file_error(cause, s->label, errno);
		}
		len += (size_t)r;
	}
	s->p = p;
	s->len = len;
	s->mapped = 0;
	return 0;
}

static int
source_read(struct source *s, const char *path, char **cause)
{
	struct stat st;
	void *p;
	int fd, r;

	memset(s, 0, sizeof *s);
	if (strcmp(path, "-") == 0) {
		s->label = "stdin";
		r = read_all(STDIN_FILENO, s, cause);
	} else {
		s->label = path;
		fd = file_open_read(path, FILE_FIFO_OK, "text file", cause);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) != 0) {
			r = file_error(cause, path, errno);
			close(fd);
			return r;
		}
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			if ((uintmax_t)st.st_size > SIZE_MAX) {
				close(fd);
				return set_cause(cause, "%s: too large", path);
			}
			p = mmap(NULL, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE, fd, 0);
			if (p != MAP_FAILED) {
				posix_madvise(p, (size_t)st.st_size,
				    POSIX_MADV_SEQUENTIAL);
				s->p = p;
				s->len = (size_t)st.st_size;
				s->mapped = 1;
			}
		}
		/* Pipes, FIFOs, /proc files (size 0), or mmap failed. */
		r = s->mapped ? 0 : read_all(fd, s, cause);
		close(fd);
	}
	if (r != 0)
		return r;
	if (s->len == 0 || (s->len == 3 && memcmp(s->p, "\xef\xbb\xbf",
	    3) == 0)) {
		source_free(s);
		return set_cause(cause, "%s: empty file", s->label);
	}
	return 0;
}

/* ---- the scanner: normalise, filter, split records -------------------- */

struct loader {
	locale_t loc;		/* C.UTF-8, or (locale_t)0 */
	int lower;
	enum text_filter filter;
	uint32_t *set;		/* (nset) sorted, TEXT_FILTER_SET */
	size_t nset;
	int records, lines;
	const unsigned char *sep;	/* (seplen) or NULL */
	size_t seplen;
	int keep_nl;		/* the filter keeps '\n' */
	unsigned char akeep[128];	/* filter verdict for ASCII */
	int16_t amap[128];	/* ASCII byte -> symbol after lowercase and
				   filter, -1 dropped */
	uint32_t *bmp;		/* (0x10000) the same for the BMP, filled as
				   met: 0 not yet, BMP_DROP dropped, else
				   symbol + 1; NULL when there is nothing to
				   do (no lowercase, no filter) */

	int pass;		/* 1: count, 2: write ids */
	/* pass 1 */
	size_t *count;		/* (NSYMS) occurrences */
	uint32_t *seen;		/* (nseen) distinct symbols, first-seen order */
	size_t nseen, seencap;
	size_t n;		/* symbols in all */
	const vocab *fixed;
	uint32_t *missing;	/* (nmissing) not in fixed, first-seen order */
	size_t nmissing, missingcap;
	/* pass 2 */
	uint16_t *map;		/* (NSYMS) id + 1; 0: not seen in pass 1 */
	uint16_t *out;		/* (n) */
	size_t nout;
	/* word tokens (words.h): symbols go through the splitter */
	int words;
	word_splitter ws;
	word_table wt;		/* pass 1: the tokens seen */
	int weor;		/* pass 1: an end of record seen */
	uint16_t *wmap;		/* (wt.n) pass 2: id + 1 of each token */
	int wunk, weor_id;	/* pass 2 */
};

static void
push_u32(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		*a = xreallocarray(*a, *cap, sizeof **a);
	}
	(*a)[(*n)++] = v;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int
in_set(const struct loader *ld, uint32_t cp)
{
	size_t lo = 0, hi = ld->nset, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ld->set[mid] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ld->nset && ld->set[lo] == cp;
}

static int
keep_cp(const struct loader *ld, uint32_t cp)
{
	if (cp < 0x80)
		return ld->akeep[cp];
	switch (ld->filter) {
	case TEXT_FILTER_PRINTABLE:
		return utf8_printable(ld->loc, cp);
	case TEXT_FILTER_SET:
		return in_set(ld, cp);
	default:
		return 1;
	}
}

/* A word token from the splitter: counted in pass 1, its id written in
 * pass 2. */
static int
word_sink_fn(void *arg, enum word_kind kind, const char *tok, size_t len)
{
	struct loader *ld = arg;
	long e = -1;
	int id;

	if (kind == WORD_TOKEN)
		e = ld->pass == 1 ? word_table_add(&ld->wt, tok, len) :
		    word_table_find(&ld->wt, tok, len);
	if (ld->pass == 1) {
		if (kind == WORD_TOKEN && e < 0)
			return -1;
		if (kind == WORD_TOKEN)
			ld->wt.count[e]++;
		ld->weor |= kind == WORD_EOR;
		ld->n++;
		return 0;
	}
	id = kind == WORD_EOR ? ld->weor_id : kind == WORD_LONG ? ld->wunk :
	    e < 0 ? -1 : ld->wmap[e] - 1;
	if (id < 0 || ld->nout == ld->n)
		return -1;
	ld->out[ld->nout++] = (uint16_t)id;
	return 0;
}

/* Emit one symbol. Fails only in pass 2, when the file no longer holds
 * what pass 1 saw. */
static inline int
emit(struct loader *ld, uint32_t sym)
{
	uint16_t m;

	if (ld->words)
		return word_put(&ld->ws, sym);
	if (ld->pass == 1) {
		if (ld->count[sym]++ == 0) {
			push_u32(&ld->seen, &ld->nseen, &ld->seencap, sym);
			if (ld->fixed != NULL && vocab_id(ld->fixed, sym) < 0)
				push_u32(&ld->missing, &ld->nmissing,
				    &ld->missingcap, sym);
		}
		ld->n++;
		return 0;
	}
	m = ld->map[sym];
	if (m == 0 || ld->nout == ld->n)
		return -1;
	ld->out[ld->nout++] = (uint16_t)(m - 1);
	return 0;
}

/* Does a line holding exactly the separator start at q? */
static int
at_sep_line(const struct loader *ld, const unsigned char *q,
    const unsigned char *end)
{
	size_t left = (size_t)(end - q);

	if (left < ld->seplen || memcmp(q, ld->sep, ld->seplen) != 0)
		return 0;
	q += ld->seplen;
	return q == end || *q == '\n' || *q == '\r';
}

/* Lowercase and filter a non-ASCII code point: the symbol or BMP_DROP. */
static inline uint32_t
transform(struct loader *ld, uint32_t cp)
{
	uint32_t r, *slot = cp < 0x10000 ? &ld->bmp[cp] : NULL;

	if (slot != NULL && *slot != 0)
		return *slot == BMP_DROP ? BMP_DROP : *slot - 1;
	r = ld->lower ? utf8_lower(ld->loc, cp) : cp;
	if (ld->filter != TEXT_FILTER_NONE && !keep_cp(ld, r))
		r = BMP_DROP;
	if (slot != NULL)
		*slot = r == BMP_DROP ? BMP_DROP : r + 1;
	return r;
}

static int
bad_utf8(const struct source *s, size_t off, char **cause)
{
	const unsigned char *nul = memchr(s->p, 0, s->len);
	size_t i, line = 1;

	if (nul != NULL)
		return set_cause(cause, "%s: binary data (NUL byte at offset "
		    "%zu)", s->label, (size_t)(nul - s->p));
	for (i = 0; i < off; i++)
		if (s->p[i] == '\n' || (s->p[i] == '\r' &&
		    (i + 1 == s->len || s->p[i + 1] != '\n')))
			line++;
	return set_cause(cause, "%s: invalid UTF-8 at byte %zu (line %zu)",
	    s->label, off, line);
}

static int
scan(struct loader *ld, const struct source *s, char **cause)
{
	const unsigned char *p = s->p, *q = s->p, *end = s->p + s->len;
	size_t reclen = 0, pendnl = 0, k;
	int bol = 1, m;
	uint32_t c, cp;

#define END_RECORD() do {						\
	pendnl = 0;							\
	if (reclen > 0 && emit(ld, TEXT_EOR) != 0)			\
		goto changed;						\
	reclen = 0;							\
} while (0)

	if (s->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		q += 3;
	while (q < end) {
		if (bol && ld->sep != NULL && at_sep_line(ld, q, end)) {
			q += ld->seplen;
			if (q < end && *q == '\r')
				q += q + 1 < end && q[1] == '\n' ? 2 : 1;
			else if (q < end && *q == '\n')
				q++;
			END_RECORD();
			continue;
		}
		bol = 0;
		c = *q;
		if (c < 0x80) {
			if (c == '\n' || c == '\r') {
				q += c == '\r' && q + 1 < end && q[1] == '\n' ?
				    2 : 1;
				bol = 1;
				if (ld->lines)
					END_RECORD();
				else if (ld->keep_nl && ld->records) {
					if (reclen > 0)	/* else leading */
						pendnl++;
				} else if (ld->keep_nl && emit(ld, '\n') != 0)
					goto changed;
				continue;
			}
			if (c == 0)
				return set_cause(cause, "%s: binary data (NUL "
				    "byte at offset %zu)", s->label,
				    (size_t)(q - p));
			q++;
			if ((m = ld->amap[c]) < 0)
				continue;
			cp = (uint32_t)m;
		} else {
			if ((k = utf8_decode(q, (size_t)(end - q), &cp)) == 0)
				return bad_utf8(s, (size_t)(q - p), cause);
			q += k;
			if (ld->bmp != NULL && (cp = transform(ld, cp)) ==
			    BMP_DROP)
				continue;
		}
		if (ld->records) {
			for (; pendnl > 0; pendnl--)
				if (emit(ld, '\n') != 0)
					goto changed;
			reclen++;
		}
		if (emit(ld, cp) != 0)
			goto changed;
	}
	if (ld->records)
		END_RECORD();
	if (ld->words && word_flush(&ld->ws) != 0)
		goto changed;
	return 0;
#undef END_RECORD

changed:
	return set_cause(cause, "%s: changed while being read", s->label);
}

static int
loader_init(struct loader *ld, const text_opts *o, char **cause)
{
	const unsigned char *s;
	size_t len, k, i, cap = 0;
	uint32_t cp, l;
	int c;

	memset(ld, 0, sizeof *ld);
	ld->lower = o->lowercase;
	ld->filter = o->filter;
	ld->lines = o->lines;
	ld->records = o->lines || o->record_sep != NULL;
	if (!o->lines && o->record_sep != NULL) {
		if (strpbrk(o->record_sep, "\r\n") != NULL)
			return set_cause(cause, "--record-sep: must not "
			    "contain a line break");
		ld->sep = (const unsigned char *)o->record_sep;
		ld->seplen = strlen(o->record_sep);
	}
	if (ld->filter == TEXT_FILTER_SET) {
		s = (const unsigned char *)(o->filter_set ? o->filter_set : "");
		len = strlen((const char *)s);
		for (i = 0; i < len; i += k) {
			if ((k = utf8_decode(s + i, len - i, &cp)) == 0) {
				free(ld->set);
				return set_cause(cause, "--charset: invalid "
				    "UTF-8 at byte %zu", i);
			}
			push_u32(&ld->set, &ld->nset, &cap, cp);
		}
		if (ld->nset > 0)
			qsort(ld->set, ld->nset, sizeof *ld->set, cmp_u32);
	} else if (ld->filter != TEXT_FILTER_PRINTABLE)
		ld->filter = TEXT_FILTER_NONE;
	if (ld->lower || ld->filter == TEXT_FILTER_PRINTABLE)
		ld->loc = utf8_locale();

	for (c = 0; c < 128; c++) {
		if (ld->filter == TEXT_FILTER_PRINTABLE)
			ld->akeep[c] = (c >= 0x20 && c < 0x7f) || c == '\n' ||
			    c == '\t';
		else if (ld->filter == TEXT_FILTER_SET)
			ld->akeep[c] = (unsigned char)in_set(ld, (uint32_t)c);
		else
			ld->akeep[c] = 1;
	}
	for (c = 0; c < 128; c++) {
		l = ld->lower ? utf8_lower(ld->loc, (uint32_t)c) : (uint32_t)c;
		ld->amap[c] = (int16_t)(keep_cp(ld, l) ? (int)l : -1);
	}
	ld->keep_nl = ld->akeep['\n'];
	if (ld->lower || ld->filter != TEXT_FILTER_NONE)
		ld->bmp = xcalloc(0x10000, sizeof *ld->bmp);
	return 0;
}

static void
loader_free(struct loader *ld)
{
	if (ld->loc != (locale_t)0)
		freelocale(ld->loc);
	free(ld->set);
	free(ld->bmp);
	free(ld->count);
	free(ld->seen);
	free(ld->missing);
	free(ld->map);
	free(ld->out);
	word_table_free(&ld->wt);
	free(ld->wmap);
	memset(ld, 0, sizeof *ld);
}

/* ---- building the vocabulary ------------------------------------------ */

/* seen is sorted; fills v from it, folding rare characters. */
static int
build_vocab(vocab *v, const struct loader *ld, long min_count,
    const char *name, char **cause)
{
	size_t i, kept = 0, V;
	int unk = min_count > 1, eor = 0;
	uint32_t cp;
	char buf[32];

	for (i = 0; i < ld->nseen; i++) {
		cp = ld->seen[i];
		if (cp == TEXT_EOR)
			eor = 1;
		else if (!unk || ld->count[cp] >= (size_t)min_count)
			kept++;
	}
	V = kept + (size_t)unk + (size_t)eor;
	if (V > TEXT_MAX_VOCAB) {
		if (unk)
			return set_cause(cause, "%s: %zu distinct characters "
			    "seen at least %ld times, more than the %d "
			    "allowed (use a larger --min-count)", name, kept,
			    min_count, TEXT_MAX_VOCAB);
		return set_cause(cause, "%s: %zu distinct characters, more "
		    "than the %d allowed (use --min-count N to fold rare "
		    "ones into one symbol)", name, ld->nseen, TEXT_MAX_VOCAB);
	}
	if (V < 2) {
		if (kept == 1)
			return set_cause(cause, "%s: only one distinct "
			    "character (%s); need at least 2", name,
			    describe_sym(ld->seen[0], 1, buf));
		return set_cause(cause, "%s: every character is seen fewer "
		    "than %ld times (--min-count); need at least 2 "
		    "distinct characters", name, min_count);
	}
	v->cp = xreallocarray(NULL, V, sizeof *v->cp);
	v->V = 0;
	for (i = 0; i < ld->nseen; i++) {
		cp = ld->seen[i];
		if (cp != TEXT_EOR &&
		    (!unk || ld->count[cp] >= (size_t)min_count))
			v->cp[v->V++] = cp;
	}
	v->unk = v->eor = -1;
	if (unk) {
		v->unk = v->V;
		v->cp[v->V++] = TEXT_UNK;
	}
	if (eor) {
		v->eor = v->V;
		v->cp[v->V++] = TEXT_EOR;
	}
	return 0;
}

static int
missing_error(const struct loader *ld, const char *label, char **cause)
{
	size_t i, shown = MIN(ld->nmissing, (size_t)MAX_MISSING_SHOWN);
	size_t len = 0, cap = 64 + shown * 40;
	char *list = xmalloc(cap), buf[32];
	const char *hint;
	int r;

	list[0] = '\0';
	for (i = 0; i < shown; i++)
		len += (size_t)snprintf(list + len, cap - len, "%s%s",
		    i ? ", " : "", describe_sym(ld->missing[i], 0, buf));
	if (ld->nmissing > shown)
		snprintf(list + len, cap - len, ", ...");
	/* Only called when mapping is not possible or not asked for. */
	if (ld->fixed->unk < 0)
		hint = "the model has no unknown symbol to map them to";
	else
		hint = "use --map-unknown";
	r = set_cause(cause, "%s: %zu character%s not in the model's "
	    "vocabulary: %s (%s)", label, ld->nmissing,
	    ld->nmissing == 1 ? "" : "s", list, hint);
	free(list);
	return r;
}

/* The vocabulary, and the id of every symbol seen. */
static int
map_chars(corpus *c, struct loader *ld, const text_opts *o,
    const vocab *fixed, const char *label, char **cause)
{
	int id;

	qsort(ld->seen, ld->nseen, sizeof *ld->seen, cmp_u32);
	if (fixed != NULL)
		vocab_copy(&c->voc, fixed);
	else if (build_vocab(&c->voc, ld, o->min_count, label, cause) != 0)
		return -1;
	ld->map = xcalloc(NSYMS, sizeof *ld->map);
	for (size_t i = 0; i < ld->nseen; i++) {
		if ((id = vocab_id(&c->voc, ld->seen[i])) < 0)
			id = c->voc.unk;	/* folded, or map_unknown */
		if (id < 0 || id >= TEXT_MAX_VOCAB)
			return set_cause(cause, "%s: vocabulary does not fit",
			    label);
		ld->map[ld->seen[i]] = (uint16_t)(id + 1);
	}
	return 0;
}

/* The same for word tokens: every token not in the vocabulary is <unk>. */
static int
map_words(corpus *c, struct loader *ld, const text_opts *o,
    const vocab *fixed, const char *label, char **cause)
{
	if (fixed != NULL)
		vocab_copy(&c->voc, fixed);
	else if (vocab_from_words(&c->voc, &ld->wt, o->max_words, ld->weor,
	    label, cause) != 0)
		return -1;
	if (ld->weor && c->voc.eor < 0)
		return set_cause(cause, "%s: records, but the model has no "
		    "end-of-record symbol", label);
	ld->wmap = word_table_map(&ld->wt, &c->voc);
	ld->wunk = c->voc.unk;
	ld->weor_id = c->voc.eor;
	return 0;
}

static char *
corpus_name(const char *const *paths, size_t npaths)
{
	const char *base, *slash;

	if (strcmp(paths[0], "-") == 0)
		base = "stdin";
	else {
		base = paths[0];
		if ((slash = strrchr(base, '/')) != NULL && slash[1] != '\0')
			base = slash + 1;
	}
	if (npaths > 1)
		return xasprintf("%s+%zu", base, npaths - 1);
	return xstrdup(base);
}

int
corpus_load(corpus *c, const char *const *paths, size_t npaths,
    const text_opts *o, const vocab *fixed, int map_unknown, char **cause)
{
	static const text_opts none;
	struct loader ld;
	struct source *src = NULL;
	size_t i, nsrc = 0, bytes = 0;
	const char *label;
	int r = -1;

	memset(c, 0, sizeof *c);
	c->voc.unk = c->voc.eor = -1;
	if (o == NULL)
		o = &none;
	if (npaths == 0 || paths == NULL)
		return set_cause(cause, "no input files");
	if (loader_init(&ld, o, cause) != 0)
		return -1;
	ld.words = fixed != NULL ? fixed->kind == VOCAB_WORD :
	    o->tokens == VOCAB_WORD;
	if (ld.words && ld.loc == (locale_t)0)
		ld.loc = utf8_locale();
	word_splitter_init(&ld.ws, ld.loc, word_sink_fn, &ld);
	c->name = corpus_name(paths, npaths);
	label = npaths == 1 ? (strcmp(paths[0], "-") == 0 ? "stdin" :
	    paths[0]) : c->name;
	ld.fixed = fixed;
	if (!ld.words)
		ld.count = xcalloc(NSYMS, sizeof *ld.count);
	src = xcalloc(npaths, sizeof *src);

	/* Pass 1: read, validate, count. */
	ld.pass = 1;
	for (i = 0; i < npaths; i++) {
		if (source_read(&src[i], paths[i], cause) != 0)
			goto out;
		nsrc++;
		bytes += src[i].len;
		if (scan(&ld, &src[i], cause) != 0)
			goto out;
		if (ld.nmissing > 0 && !(map_unknown && fixed->unk >= 0)) {
			missing_error(&ld, src[i].label, cause);
			goto out;
		}
	}
	if (ld.n == 0) {
		set_cause(cause, "%s: no characters left after filtering",
		    label);
		goto out;
	}

	if ((ld.words ? map_words(c, &ld, o, fixed, label, cause) :
	    map_chars(c, &ld, o, fixed, label, cause)) != 0)
		goto out;

	/* Pass 2: the ids. */
	ld.pass = 2;
	ld.out = xreallocarray(NULL, ld.n, sizeof *ld.out);
	for (i = 0; i < nsrc; i++)
		if (scan(&ld, &src[i], cause) != 0)
			goto out;
	if (ld.nout != ld.n) {
		set_cause(cause, "%s: changed while being read", label);
		goto out;
	}
	c->ids = ld.out;
	ld.out = NULL;
	c->n = ld.n;
	c->bytes = bytes;
	r = 0;
out:
	for (i = 0; i < nsrc; i++)
		source_free(&src[i]);
	free(src);
	loader_free(&ld);
	if (r != 0)
		corpus_free(c);
	return r;
}

/* ---- batches ---------------------------------------------------------- */

int
batcher_init(batcher *b, const uint16_t *data, size_t n, int B, int T,
    char **cause)
{
	size_t need;

	memset(b, 0, sizeof *b);
	if (B < 1 || T < 1)
		return set_cause(cause, "batch %d x seq %d: both must be at "
		    "least 1", B, T);
	if ((size_t)B > (SIZE_MAX - 1) / (size_t)T)
		return set_cause(cause, "batch %d x seq %d: too large", B, T);
	need = (size_t)B * (size_t)T + 1;
	if (n < need)
		return set_cause(cause, "text has %zu characters; batch %d x "
		    "seq %d needs at least %zu", n, B, T, need);
	b->data = data;
	b->n = n;
	b->B = B;
	b->T = T;
	b->L = (n - 1) / (size_t)B;
	b->nbatches = b->L / (size_t)T;
	return 0;
}

/* k >= nbatches wraps around (never reads outside the data). */
void
batcher_get(const batcher *b, size_t k, uint16_t *x, uint16_t *y)
{
	size_t T = (size_t)b->T, i;
	const uint16_t *s;

	k %= b->nbatches;
	for (i = 0; i < (size_t)b->B; i++) {
		s = b->data + i * b->L + k * T;
		memcpy(x + i * T, s, T * sizeof *x);
		memcpy(y + i * T, s + 1, T * sizeof *y);
	}
}
