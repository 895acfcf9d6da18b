/* sl_blast_gen.c: corpus loading and syslog message formatting for
 * sluice-blast. Formatting runs once per message at up to millions of
 * messages a second, so it writes with memcpy and a hand-made decimal
 * conversion rather than snprintf, and formats the date once a second. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sl_blast_gen.h"

/* local0.info: a sender that does not set a facility of its own. */
#define GEN_PRI "<134>"
#define GEN_APP "blast"

static int
is_log_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && d->d_name[0] != '.' &&
	       strcmp(d->d_name + n - 4, ".log") == 0;
}

/* Appends the contents of path and a final LF to *buf (size *len,
 * capacity *cap). Returns 0, or -1 with err set. */
static int
append_file(const char *path, char **buf, size_t *len, size_t *cap,
	    char *err, size_t errlen)
{
	struct stat st;
	size_t need, got = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	need = *len + (size_t)st.st_size + 1;
	if (need > *cap) {
		char *nb = realloc(*buf, need);

		if (nb == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		*buf = nb;
		*cap = need;
	}
	/* The file may shrink while we read it; it cannot grow past what we
	 * reserved because we stop at st_size. */
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + *len + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len += got;
	(*buf)[(*len)++] = '\n';
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Indexes the lines of c->data[0..len), which ends with LF. */
static int
index_lines(struct sl_blast_corpus *c, size_t len, char *err, size_t errlen)
{
	size_t i, start = 0, n = 0, cap = 0;

	for (i = 0; i < len; i++) {
		size_t l;

		if (c->data[i] != '\n')
			continue;
		l = i - start;
		if (l > 0 && c->data[i - 1] == '\r')
			l--;
		if (l > 0) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 4096;
				size_t *noff = realloc(c->off, ncap * sizeof(*noff));
				uint32_t *nlen;

				if (noff == NULL)
					goto oom;
				c->off = noff;
				nlen = realloc(c->len, ncap * sizeof(*nlen));
				if (nlen == NULL)
					goto oom;
				c->len = nlen;
				cap = ncap;
			}
			/* A line longer than any message is cut here already,
			 * so lengths fit 32 bits; the generator cuts it again
			 * on a character boundary. */
			if (l > SL_BLAST_MSG_MAX)
				l = SL_BLAST_MSG_MAX;
			c->off[n] = start;
			c->len[n] = (uint32_t)l;
			if (l > c->longest)
				c->longest = l;
			n++;
		}
		start = i + 1;
	}
	c->n_lines = n;
	return 0;
oom:
	snprintf(err, errlen, "corpus: out of memory");
	return -1;
}

int
sl_blast_corpus_load(struct sl_blast_corpus *c, const char *dir,
		     const char *file, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	size_t len = 0, cap = 0;
	char path[4096];
	int n_names = 0, i, rc = -1;

	memset(c, 0, sizeof(*c));
	if (dir != NULL) {
		n_names = scandir(dir, &names, is_log_name, alphasort);
		if (n_names == -1) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			n_names = 0;
			goto out;
		}
		if (n_names == 0) {
			snprintf(err, errlen, "%s: no *.log files", dir);
			goto out;
		}
		for (i = 0; i < n_names; i++) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
					     names[i]->d_name) >= sizeof(path)) {
				snprintf(err, errlen, "%s: path too long", dir);
				goto out;
			}
			if (append_file(path, &c->data, &len, &cap, err, errlen) != 0)
				goto out;
		}
	} else if (append_file(file, &c->data, &len, &cap, err, errlen) != 0) {
		goto out;
	}
	if (index_lines(c, len, err, errlen) != 0)
		goto out;
	if (c->n_lines == 0) {
		snprintf(err, errlen, "%s: no non-empty lines",
			 dir != NULL ? dir : file);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	if (rc != 0)
		sl_blast_corpus_free(c);
	return rc;
}

void
sl_blast_corpus_free(struct sl_blast_corpus *c)
{
	free(c->data);
	free(c->off);
	free(c->len);
	memset(c, 0, sizeof(*c));
}

void
sl_blast_gen_init(struct sl_blast_gen *g, const struct sl_blast_corpus *corpus,
		  enum sl_blast_format format, unsigned sites,
		  size_t first_line)
{
	memset(g, 0, sizeof(*g));
	g->corpus = corpus;
	g->format = format;
	g->sites = sites > 0 ? sites : 1;
	g->line = first_line % corpus->n_lines;
	g->stamp_sec = UINT64_MAX;
}

size_t
sl_blast_gen_room(const struct sl_blast_gen *g)
{
	size_t full = SL_BLAST_HDR_MAX + g->corpus->longest;

	return full < SL_BLAST_MSG_MAX ? full : SL_BLAST_MSG_MAX;
}

/* Writes v in decimal at p; returns the end. */
static char *
put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Writes v as exactly width digits (zero-padded) at p; returns the end. */
static char *
put_fixed(char *p, uint64_t v, unsigned width)
{
	unsigned i;

	for (i = width; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static char *
put_str(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

/* Refreshes the cached part of the time stamp that changes once a second:
 * "YYYY-MM-DDThh:mm:ss" (RFC 5424) or "Mmm dd hh:mm:ss" (RFC 3164), UTC. */
static void
refresh_stamp(struct sl_blast_gen *g, uint64_t sec)
{
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t t = (time_t)sec;
	struct tm tm;
	char *p = g->stamp;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (g->format == SL_BLAST_RFC5424) {
		p = put_fixed(p, (uint64_t)tm.tm_year + 1900, 4);
		*p++ = '-';
		p = put_fixed(p, (uint64_t)tm.tm_mon + 1, 2);
		*p++ = '-';
		p = put_fixed(p, (uint64_t)tm.tm_mday, 2);
		*p++ = 'T';
	} else {
		p = put_str(p, months[tm.tm_mon % 12], 3);
		*p++ = ' ';
		/* RFC 3164 pads the day with a space, not a zero. */
		*p++ = tm.tm_mday < 10 ? ' ' : (char)('0' + tm.tm_mday / 10);
		*p++ = (char)('0' + tm.tm_mday % 10);
		*p++ = ' ';
	}
	p = put_fixed(p, (uint64_t)tm.tm_hour, 2);
	*p++ = ':';
	p = put_fixed(p, (uint64_t)tm.tm_min, 2);
	*p++ = ':';
	p = put_fixed(p, (uint64_t)tm.tm_sec, 2);
	g->stamp_len = (size_t)(p - g->stamp);
	g->stamp_sec = sec;
}

size_t
sl_blast_gen_next(struct sl_blast_gen *g, unsigned host, uint64_t seq,
		  uint64_t t_ns, char *buf)
{
	const struct sl_blast_corpus *c = g->corpus;
	const char *line = c->data + c->off[g->line];
	size_t len = c->len[g->line], hdr;
	uint64_t sec = t_ns / 1000000000u;
	char *p = buf;

	if (++g->line == c->n_lines)
		g->line = 0;
	if (sec != g->stamp_sec)
		refresh_stamp(g, sec);
	p = PUT_LIT(p, GEN_PRI);
	if (g->format == SL_BLAST_RFC5424) {
		p = PUT_LIT(p, "1 ");
		p = put_str(p, g->stamp, g->stamp_len);
		*p++ = '.';
		p = put_fixed(p, t_ns % 1000000000u / 1000u, 6);
		p = PUT_LIT(p, "Z site");
	} else {
		p = put_str(p, g->stamp, g->stamp_len);
		p = PUT_LIT(p, " site");
	}
	p = put_u64(p, host % g->sites);
	p = PUT_LIT(p, "-host");
	p = put_u64(p, host / g->sites);
	if (g->format == SL_BLAST_RFC5424) {
		p = PUT_LIT(p, " " GEN_APP " - - [sl@" SL_BLAST_PEN " seq=\"");
		p = put_u64(p, seq);
		p = PUT_LIT(p, "\" t=\"");
		p = put_u64(p, t_ns);
		p = PUT_LIT(p, "\"] ");
	} else {
		p = PUT_LIT(p, " " GEN_APP ": sl seq=");
		p = put_u64(p, seq);
		p = PUT_LIT(p, " t=");
		p = put_u64(p, t_ns);
		p = PUT_LIT(p, ": ");
	}
	hdr = (size_t)(p - buf);
	if (hdr + len > SL_BLAST_MSG_MAX) {
		len = SL_BLAST_MSG_MAX - hdr;
		/* Never end inside a UTF-8 sequence: back off to the byte
		 * that starts the character the cut would split. */
		while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(p, line, len);
	return hdr + len;
}
