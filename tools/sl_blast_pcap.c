/* sl_blast_pcap.c: sluice-blast's pcap mode. Writes the load as a packet
 * capture of Ethernet/IPv4/UDP frames (sl_blast_frame.h) that net_pcap
 * replays into the DPDK receive path. With several --out files, host h
 * goes to file h mod n: each file is one receive queue of the port
 * (net_pcap takes one rx_pcap per queue), and a host never spans two,
 * which is what keeps its messages in order without RSS. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "sl_blast.h"
#include "sl_blast_frame.h"

#define PCAP_SNAPLEN 65535
#define PCAP_PROGRESS_EVERY 4096u

static int
pcap_check(const struct sl_blast_opts *o)
{
	struct sl_blast_frame_dst d;
	unsigned i, j;

	if (sl_blast_frame_dst_parse(o, &d) != 0)
		return -1;
	for (i = 0; i < o->n_out; i++) {
		if (strcmp(o->out[i], "-") == 0) {
			fprintf(stderr, "sluice-blast: --out must be a file: "
				"stdout carries the summary\n");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(o->out[i], o->out[j]) == 0) {
				fprintf(stderr, "sluice-blast: --out %s given "
					"twice\n", o->out[i]);
				return -1;
			}
	}
	if (o->n_out > o->hosts) {
		fprintf(stderr, "sluice-blast: %u --out files for %u hosts: "
			"each file needs a host of its own\n", o->n_out,
			o->hosts);
		return -1;
	}
	if (o->hosts > SL_BLAST_FRAME_MAX_HOSTS) {
		fprintf(stderr, "sluice-blast: --hosts %u: pcap mode has "
			"addresses for %u hosts\n", o->hosts,
			SL_BLAST_FRAME_MAX_HOSTS);
		return -1;
	}
	return 0;
}

/* State of one pcap run. dumpers[i] writes o->out[i] (all of them
 * open, or the run has failed); dumper is the one of the message being
 * written. frame holds the whole unfragmented frame of the current
 * message (headers, then the message at SL_BLAST_FRAME_HDRS); frag is
 * room for one fragment's frame; t_ns is the send time of the message
 * being written, the time stamp of its frames. */
struct pcap_run {
	const struct sl_blast_opts *o;
	struct sl_blast_frame_dst dst;
	pcap_dumper_t *dumpers[SL_BLAST_MAX_OUTS];
	pcap_dumper_t *dumper;
	uint8_t *frame;
	uint8_t *frag;
	uint64_t *seq;
	uint64_t t_ns;
	struct sl_blast_result *res;
};

/* sl_blast_frame_out for the capture: arg is the pcap_run. */
static void
dump(void *arg, const uint8_t *frame, size_t len)
{
	struct pcap_run *r = arg;
	uint64_t t_ns = r->t_ns;
	struct pcap_pkthdr h = {
		.ts = {
			.tv_sec = (time_t)(t_ns / 1000000000u),
			.tv_usec = (suseconds_t)(t_ns % 1000000000u / 1000u),
		},
		.caplen = (bpf_u_int32)len,
		.len = (bpf_u_int32)len,
	};

	pcap_dump((u_char *)r->dumper, &h, frame);
	r->res->frames++;
}

static int
pcap_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct pcap_run r = { .o = o, .res = res };
	struct sl_blast_progress prog;
	struct sl_blast_gen gen;
	uint64_t count = o->count != 0 ? o->count : o->corpus->n_lines;
	uint64_t start, i;
	pcap_t *p = NULL;
	unsigned h, k;
	size_t len;
	int rc = -1;

	sl_blast_frame_dst_parse(o, &r.dst);
	sl_blast_gen_init(&gen, o->corpus, o->format, o->sites, 0);
	r.frame = malloc(SL_BLAST_FRAME_HDRS + sl_blast_gen_room(&gen));
	r.frag = malloc(SL_BLAST_FRAME_ETH + o->mtu);
	r.seq = calloc(o->hosts, sizeof(*r.seq));
	if (r.frame == NULL || r.frag == NULL || r.seq == NULL) {
		fprintf(stderr, "sluice-blast: pcap: out of memory\n");
		goto out;
	}
	p = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
	if (p == NULL) {
		fprintf(stderr, "sluice-blast: pcap: pcap_open_dead failed\n");
		goto out;
	}
	for (k = 0; k < o->n_out; k++) {
		r.dumpers[k] = pcap_dump_open(p, o->out[k]);
		if (r.dumpers[k] == NULL) {
			fprintf(stderr, "sluice-blast: pcap: %s\n",
				pcap_geterr(p));
			goto out;
		}
	}

	start = sl_blast_mono_ns();
	sl_blast_progress_start(&prog, start);
	for (i = 0; i < count && !sl_blast_stopping(); i++) {
		if (o->duration_ns != 0 && i % PCAP_PROGRESS_EVERY == 0 &&
		    sl_blast_mono_ns() - start >= o->duration_ns)
			break;
		h = (unsigned)(i % o->hosts);
		r.dumper = r.dumpers[h % o->n_out];
		r.t_ns = sl_blast_wall_ns();
		len = sl_blast_gen_next(&gen, h, ++r.seq[h], r.t_ns,
					(char *)r.frame + SL_BLAST_FRAME_HDRS);
		sl_blast_frame_build(&r.dst, o->mtu, h, (uint16_t)r.seq[h],
				     r.frame, len, r.frag, dump, &r);
		res->sent++;
		res->bytes += len;
		if (i % PCAP_PROGRESS_EVERY == 0) {
			if (ferror(pcap_dump_file(r.dumper)))
				break;
			sl_blast_progress_update(&prog, "pcap", res);
		}
	}
	rc = 0;
	for (k = 0; k < o->n_out; k++)
		if (pcap_dump_flush(r.dumpers[k]) != 0 ||
		    ferror(pcap_dump_file(r.dumpers[k]))) {
			fprintf(stderr, "sluice-blast: %s: write error: %s\n",
				o->out[k], strerror(errno));
			rc = -1;
		}
	res->seconds = (double)(sl_blast_mono_ns() - start) / 1e9;
	sl_blast_progress_end(&prog);
out:
	for (k = 0; k < o->n_out; k++)
		if (r.dumpers[k] != NULL)
			pcap_dump_close(r.dumpers[k]);
	if (p != NULL)
		pcap_close(p);
	free(r.frame);
	free(r.frag);
	free(r.seq);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_pcap = {
	.name = "pcap",
	.synopsis = "--out FILE [--out FILE]... [--dst IP:PORT] "
		    "[--dst-mac MAC]\n"
		    "                   [--corpus DIR|--file FILE] [--count N] "
		    "[--sites S] [--hosts H]\n"
		    "                   [--format 3164|5424] [--mtu 1500] "
		    "[--duration SECONDS]",
	.options = SL_BLAST_OPT_OUT | SL_BLAST_OPT_DST | SL_BLAST_OPT_DST_MAC |
		   SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE | SL_BLAST_OPT_COUNT |
		   SL_BLAST_OPT_SITES | SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT |
		   SL_BLAST_OPT_MTU | SL_BLAST_OPT_DURATION,
	.required = SL_BLAST_OPT_OUT,
	.check = pcap_check,
	.run = pcap_run,
};
