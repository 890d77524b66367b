// SPDX-License-Identifier: BSD-2-Clause
/* --log_audit's output, in VizTracer's shape (its audit hook writes str() of each argument). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "export/json.h"
#include "symbols/pystr.h"
#include "user/slices/auditev.h"

struct auditev {
	regex_t *re;
	int n;
};

struct auditev *auditev_new(const char *const *regex, int n, char *err, size_t errlen)
{
	struct auditev *a = calloc(1, sizeof(*a));

	if (!a || (n && !(a->re = calloc(n, sizeof(*a->re))))) {
		snprintf(err, errlen, "out of memory");
		auditev_free(a);
		return NULL;
	}
	for (; a->n < n; a->n++) {
		size_t len = strlen(regex[a->n]) + 4;
		char *anchored = malloc(len);
		int rc;

		if (!anchored) {
			snprintf(err, errlen, "out of memory");
			auditev_free(a);
			return NULL;
		}
		snprintf(anchored, len, "^(%s)", regex[a->n]);
		rc = regcomp(&a->re[a->n], anchored, REG_EXTENDED | REG_NOSUB);
		free(anchored);
		if (rc) {
			char why[128];

			regerror(rc, &a->re[a->n], why, sizeof(why));
			snprintf(err, errlen, "--log_audit '%s': %s", regex[a->n], why);
			auditev_free(a);
			return NULL;
		}
	}
	return a;
}

void auditev_free(struct auditev *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n; i++)
		regfree(&a->re[i]);
	free(a->re);
	free(a);
}

/* Python's str() of a float: the shortest of %.15g..%.17g that reads back the same. */
static void float_str(char *out, size_t cap, double d)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(out, cap, "%.*g", p, d);
		if (strtod(out, NULL) == d)
			break;
	}
	if (!strpbrk(out, ".eninf"))
		strncat(out, ".0", cap - strlen(out) - 1);
}

static void value_str(const struct vz_custom_value *v, char *out, size_t cap)
{
	double d;

	switch (v->type) {
	case VZ_VAL_INT:
		snprintf(out, cap, "%lld", (long long)v->num);
		break;
	case VZ_VAL_BOOL:
		snprintf(out, cap, "%s", v->num ? "True" : "False");
		break;
	case VZ_VAL_FLOAT:
		memcpy(&d, &v->num, sizeof(d));
		float_str(out, cap, d);
		break;
	case VZ_VAL_NONE:
		snprintf(out, cap, "None");
		break;
	case VZ_VAL_STR:
		pystr_to_utf8(&v->str_hdr, v->str, out, cap);
		break;
	case VZ_VAL_OTHER: {
		char tn[VZ_CUSTOM_STR_MAX + 1];

		memcpy(tn, v->str, VZ_CUSTOM_STR_MAX);
		tn[VZ_CUSTOM_STR_MAX] = '\0';
		snprintf(out, cap, "<%s>", tn);
		break;
	}
	default:
		snprintf(out, cap, "?");
	}
}

int auditev_handle(struct auditev *a, struct trace_writer *w, const struct vz_rec_audit *r,
		   size_t size, uint64_t ts_ns)
{
	char event[VZ_AUDIT_EVENT_MAX * 4 + 8], args[(VZ_AUDIT_ARGS + 1) * 2100 + 64];
	size_t head = offsetof(struct vz_rec_audit, v), len;
	uint32_t n = r->n;
	int keep = !a || !a->n;

	if (!w || size < head)
		return 0;
	pystr_to_utf8(&r->event_hdr, r->event, event, sizeof(event));
	for (int i = 0; a && i < a->n && !keep; i++)
		keep = !regexec(&a->re[i], event, 0, NULL, 0);
	if (!keep)
		return 0;
	if (n > VZ_AUDIT_ARGS)
		n = VZ_AUDIT_ARGS;
	if (size < head + n * sizeof(r->v[0]))
		n = (size - head) / sizeof(r->v[0]);
	len = snprintf(args, sizeof(args), "{\"args\":[");
	for (uint32_t i = 0; i < n + (r->more ? 1 : 0); i++) {
		char text[VZ_CUSTOM_STR_MAX * 4 + 80];

		if (i < n)
			value_str(&r->v[i], text, sizeof(text));
		else
			snprintf(text, sizeof(text), "...");
		if (i)
			args[len++] = ',';
		len += json_quote(args + len, sizeof(args) - len, text, strlen(text));
	}
	snprintf(args + len, sizeof(args) - len, "]}");
	trace_writer_instant_cat(w, "instant", event, ts_ns, r->hdr.pid, r->hdr.tid, 't', args);
	return 1;
}
