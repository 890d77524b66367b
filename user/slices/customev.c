// SPDX-License-Identifier: BSD-2-Clause
/* Custom events' output, in VizTracer's shapes (add_instant, add_counter, log_event). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "export/json.h"
#include "symbols/pystr.h"
#include "user/slices/customev.h"

struct open_span {
	uint32_t pid, tid;
	uint64_t obj;
	uint64_t start_ns;
	char *name;
};

struct customev {
	struct open_span *v;
	size_t n, cap;
};

struct customev *customev_new(void)
{
	return calloc(1, sizeof(struct customev));
}

void customev_free(struct customev *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	free(c);
}

uint64_t customev_open_spans(const struct customev *c)
{
	return c ? c->n : 0;
}

/* Appends ,"key":value (or "key":value first) to buf; returns the new length. */
static size_t put_value(char *buf, size_t cap, size_t len, const char *key,
			const struct vz_custom_value *v, int numeric_only)
{
	char text[VZ_CUSTOM_STR_MAX * 4 + 8], q[sizeof(text) * 6 + 2], num[JSON_DOUBLE_MAX + 1];
	char qkey[VZ_CUSTOM_KEY_MAX * 4 * 6 + 8];
	const char *val = NULL;
	double d;

	switch (v->type) {
	case VZ_VAL_INT:
		snprintf(num, sizeof(num), "%lld", (long long)v->num);
		val = num;
		break;
	case VZ_VAL_BOOL:
		val = numeric_only ? (v->num ? "1" : "0") : v->num ? "true" : "false";
		break;
	case VZ_VAL_FLOAT:
		memcpy(&d, &v->num, sizeof(d));
		num[json_fmt_double(num, d)] = '\0';
		val = num;
		break;
	case VZ_VAL_NONE:
		val = numeric_only ? NULL : "null";
		break;
	case VZ_VAL_STR:
	case VZ_VAL_OTHER:
		if (numeric_only)
			break;
		if (v->type == VZ_VAL_STR) {
			pystr_to_utf8(&v->str_hdr, v->str, text, sizeof(text));
		} else {
			char tn[VZ_CUSTOM_STR_MAX + 1];

			memcpy(tn, v->str, VZ_CUSTOM_STR_MAX);
			tn[VZ_CUSTOM_STR_MAX] = '\0';
			snprintf(text, sizeof(text), "<%s>", tn);
		}
		json_quote(q, sizeof(q), text, strlen(text));
		val = q;
		break;
	default:
		break;
	}
	if (!val)
		return len;
	json_quote(qkey, sizeof(qkey), key, strlen(key));
	len += snprintf(buf + len, len < cap ? cap - len : 0, "%s%s:%s", len > 1 ? "," : "", qkey,
			val);
	return len < cap ? len : cap - 1;
}

void customev_handle(struct customev *c, struct trace_writer *w, const struct vz_rec_custom *r,
		     size_t size, uint64_t ts_ns)
{
	char name[VZ_CUSTOM_NAME_MAX * 4 + 8], args[VZ_CUSTOM_VALUES * 700 + 64];
	uint32_t n = r->n;
	size_t len;

	if (!c || !w || size < offsetof(struct vz_rec_custom, v))
		return;
	if (n > VZ_CUSTOM_VALUES)
		n = VZ_CUSTOM_VALUES;
	if (size < offsetof(struct vz_rec_custom, v) + n * sizeof(r->v[0]))
		n = (size - offsetof(struct vz_rec_custom, v)) / sizeof(r->v[0]);
	pystr_to_utf8(&r->name_hdr, r->name, name, sizeof(name));
	switch (r->kind) {
	case VZ_CUSTOM_INSTANT:
		len = snprintf(args, sizeof(args), "{");
		if (n && r->v[0].type != VZ_VAL_NONE && r->v[0].type != VZ_VAL_ABSENT)
			len = put_value(args, sizeof(args), len, "value", &r->v[0], 0);
		snprintf(args + len, sizeof(args) - len, "}");
		trace_writer_instant_cat(w, "instant", name, ts_ns, r->hdr.pid, r->hdr.tid, 't',
					 len > 1 ? args : NULL);
		break;
	case VZ_CUSTOM_COUNTER:
		len = snprintf(args, sizeof(args), "{");
		for (uint32_t i = 0; i < n; i++) {
			char key[VZ_CUSTOM_KEY_MAX * 4 + 8];

			pystr_to_utf8(&r->v[i].key_hdr, r->v[i].key, key, sizeof(key));
			len = put_value(args, sizeof(args), len, key, &r->v[i], 1);
		}
		snprintf(args + len, sizeof(args) - len, "}");
		trace_writer_counter_args(w, name, ts_ns, r->hdr.pid, r->hdr.tid, args);
		break;
	case VZ_CUSTOM_BEGIN:
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 16;
			void *p = realloc(c->v, cap * sizeof(*c->v));

			if (!p)
				return;
			c->v = p;
			c->cap = cap;
		}
		c->v[c->n] = (struct open_span){ .pid = r->hdr.pid, .tid = r->hdr.tid, .obj = r->obj,
						 .start_ns = ts_ns, .name = strdup(name) };
		if (c->v[c->n].name)
			c->n++;
		break;
	case VZ_CUSTOM_END:
		/* The innermost open span of this object on this thread. */
		for (size_t i = c->n; i-- > 0;) {
			struct open_span *s = &c->v[i];
			uint64_t end = ts_ns > s->start_ns ? ts_ns - 1 : s->start_ns;

			if (s->tid != r->hdr.tid || s->pid != r->hdr.pid || s->obj != r->obj)
				continue;
			trace_writer_complete_cat(w, "FEE", s->name, s->start_ns, end - s->start_ns,
						  s->pid, s->tid, NULL);
			free(s->name);
			memmove(s, s + 1, (c->n - i - 1) * sizeof(*s));
			c->n--;
			break;
		}
		break;
	default:
		break;
	}
}
