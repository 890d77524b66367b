// SPDX-License-Identifier: BSD-2-Clause
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "combine_cmd.h"
#include "export/combine.h"
#include "export/json.h"
#include "export/trace_writer.h"
#include "user/base/log.h"
#include "user/view/site.h"

#define MAX_INPUTS 1024

struct combine_opts {
	const char *output;
	bool align;
	const char *inputs[MAX_INPUTS];
	int n;
};

static const struct argp_option options[] = {
	{ "output_file", 'o', "FILE", 0, "Combined trace (default result.json; .json.gz, .html)" },
	{ "align", 'a', NULL, 0,
	  "Shift each trace so that it starts at 0 (VizTracer's --align_combine)" },
	{},
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct combine_opts *o = state->input;

	switch (key) {
	case 'o':
		o->output = arg;
		break;
	case 'a':
		o->align = true;
		break;
	case ARGP_KEY_ARG:
		if (o->n == MAX_INPUTS)
			argp_error(state, "too many traces (max %d)", MAX_INPUTS);
		o->inputs[o->n++] = arg;
		break;
	case ARGP_KEY_END:
		if (!o->n)
			argp_error(state, "no trace given: vizbpf combine [--align] -o OUT FILE...");
		if (view_kind_of(o->output) == VIEW_NONE)
			argp_error(state, "-o '%s': the name must end in .json, .json.gz or .html",
				   o->output);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int combine_main(int argc, char **argv)
{
	static const struct argp argp = {
		options, parse, "FILE...",
		"vizbpf combine -- several traces in one (VizTracer's --combine / --align_combine)",
	};
	struct combine_opts o = { .output = "result.json" };
	struct trace_writer *w;
	char err[160], *from = NULL, q[4096];
	size_t from_len = 0;
	long total = 0;

	argv[0] = "vizbpf combine"; /* argp names the command after it */
	argp_parse(&argp, argc, argv, 0, NULL, &o);
	w = trace_writer_open(o.output);
	if (!w) {
		elog("cannot write %s: %s", o.output, strerror(errno));
		return 1;
	}
	for (int i = 0; i < o.n; i++) {
		size_t len, k;
		char *doc = combine_read(o.inputs[i], &len), *f;
		long n;

		if (!doc) {
			elog("%s: %s; %s not written", o.inputs[i], strerror(errno), o.output);
			goto fail;
		}
		n = combine_events(w, doc, len, o.align, err, sizeof(err));
		free(doc);
		if (n < 0) {
			elog("%s: %s; %s not written", o.inputs[i], err, o.output);
			goto fail;
		}
		total += n;
		k = json_quote(q, sizeof(q), o.inputs[i], strlen(o.inputs[i]));
		f = realloc(from, from_len + k + 3);
		if (!f || k >= sizeof(q))
			goto nomem;
		from = f;
		from[from_len] = i ? ',' : '[';
		memcpy(from + from_len + 1, q, k);
		from_len += k + 1;
		from[from_len] = '\0';
	}
	from[from_len++] = ']';
	from[from_len] = '\0';
	trace_writer_meta_str(w, "version", VIZBPF_VERSION);
	trace_writer_meta_str(w, "producer", "vizbpf combine");
	trace_writer_meta_raw(w, "combined_from", from);
	trace_writer_meta_bool(w, "aligned", o.align);
	free(from);
	if (trace_writer_close(w)) {
		elog("writing %s failed", o.output);
		return 1;
	}
	ilog("%ld events of %d traces saved to %s", total, o.n, o.output);
	return 0;
nomem:
	elog("out of memory (or a file name too long); %s not written", o.output);
fail:
	free(from);
	trace_writer_discard(w);
	return 1;
}
