// SPDX-License-Identifier: BSD-2-Clause
/* user/slices/funcargs: values shown as Python's repr() shows them. */
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include "vizbpf.h"
#include "user/slices/funcargs.h"
#include "test.h"

static const char *repr_of(const char *type, __u64 w0, __u64 w1, unsigned int flags)
{
	static char out[256];
	struct vz_arg a = { .obj = 1, .words = { w0, w1, 0 } };

	snprintf(a.type, sizeof(a.type), "%s", type);
	funcargs_repr(&a, flags, out, sizeof(out));
	return out;
}

static const char *float_repr(double d)
{
	__u64 w;

	memcpy(&w, &d, sizeof(w));
	return repr_of("float", w, 0, 0);
}

void test_funcargs_repr(void)
{
	/* What Python 3 prints for repr() of each. */
	ASSERT_STREQ(float_repr(230.0), "230.0", "230.0");
	ASSERT_STREQ(float_repr(0.1), "0.1", "0.1");
	ASSERT_STREQ(float_repr(-0.0), "-0.0", "-0.0");
	ASSERT_STREQ(float_repr(1e300), "1e+300", "1e300");
	ASSERT_STREQ(float_repr(1e16), "1e+16", "1e16");
	ASSERT_STREQ(float_repr(1e15), "1000000000000000.0", "1e15");
	ASSERT_STREQ(float_repr(0.0001), "0.0001", "1e-4");
	ASSERT_STREQ(float_repr(0.00001), "1e-05", "1e-5");
	ASSERT_STREQ(float_repr(1.0 / 3), "0.3333333333333333", "1/3");
	ASSERT_STREQ(float_repr(5e-324), "5e-324", "denormal");
	ASSERT_STREQ(float_repr(1.7976931348623157e308), "1.7976931348623157e+308", "max");
	ASSERT_STREQ(float_repr(123456.789), "123456.789", "123456.789");
	/* Ints: <=3.11 ob_size and 30-bit digits; 3.12+ lv_tag = ndigits << 3 | sign. */
	ASSERT_STREQ(repr_of("int", 0, 0, 0), "0", "0 (3.11)");
	ASSERT_STREQ(repr_of("int", (__u64)-2, 5 | (1ull << 32), 0), "-1073741829", "-(2^30+5)");
	ASSERT_STREQ(repr_of("int", 1, 0, VZ_ARGS_INT_TAGGED), "0", "0 (3.12)");
	ASSERT_STREQ(repr_of("int", (1 << 3) | 2, 7, VZ_ARGS_INT_TAGGED), "-7", "-7 (3.12)");
	ASSERT_STREQ(repr_of("bool", 1 << 3, 1, VZ_ARGS_INT_TAGGED), "True", "True");
	ASSERT_STREQ(repr_of("bool", 0, 0, 0), "False", "False");
	ASSERT_STREQ(repr_of("NoneType", 0, 0, 0), "None", "None");
	ASSERT_STREQ(repr_of("list", 3, 0, 0), "<list of length 3>", "list");
	ASSERT_STREQ(repr_of("Foo", 0, 0, 0), "<Foo object>", "other");
}

static const char *text_repr(const char *type, const char *s, __u64 len, int cut)
{
	static char out[256];
	struct vz_arg a = { .obj = 1, .words = { len, 0, 0 } };

	snprintf(a.type, sizeof(a.type), "%s", type);
	memcpy(a.text, s, strlen(s));
	a.text_hdr.kind = 1;
	a.text_hdr.len = strlen(s);
	a.text_hdr.truncated = cut;
	funcargs_repr(&a, 0, out, sizeof(out));
	return out;
}

void test_funcargs_quotes(void)
{
	/* repr() picks double quotes for a text with a ' and no ", else single ones. */
	ASSERT_STREQ(text_repr("str", "it's", 4, 0), "\"it's\"", "' inside");
	ASSERT_STREQ(text_repr("str", "a\"b'c", 5, 0), "'a\"b\\'c'", "both");
	ASSERT_STREQ(text_repr("str", "tab\t\\", 5, 0), "'tab\\t\\\\'", "escapes");
	ASSERT_STREQ(text_repr("bytes", "x'y", 3, 0), "b\"x'y\"", "bytes with '");
	ASSERT_STREQ(text_repr("bytes", "yyy", 50, 1), "b'yyy...' (len 50)", "cut bytes");
}

void test_funcargs_retval_json(void)
{
	struct vz_rec_retval r = { .v = { .obj = 1, .words = { 3 } } };
	char *s;

	snprintf(r.v.type, sizeof(r.v.type), "tuple");
	s = funcargs_retval_json(&r);
	ASSERT_STREQ(s, "\"return_value\":\"<tuple of length 3>\"", "VizTracer's key, repr as a string");
	free(s);
	snprintf(r.v.type, sizeof(r.v.type), "str");
	memcpy(r.v.text, "a\"b", 3);
	r.v.text_hdr.kind = 1;
	r.v.text_hdr.len = 3;
	r.v.words[0] = 3;
	s = funcargs_retval_json(&r);
	ASSERT_STREQ(s, "\"return_value\":\"'a\\\"b'\"", "JSON-escaped");
	free(s);
}
