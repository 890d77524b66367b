// SPDX-License-Identifier: BSD-2-Clause
/* libmicrohttpd opened on demand (mhd.h). */
#include <dlfcn.h>
#include <stdio.h>
#include "mhd.h"

#ifndef VZ_MHD_SONAME
#define VZ_MHD_SONAME "libmicrohttpd.so.12"
#endif

struct mhd_api mhd;

int mhd_open(void)
{
	static const struct {
		const char *name;
		size_t at;
	} fns[] = {
#define FN(f) { "MHD_" #f, offsetof(struct mhd_api, f) }
		FN(start_daemon),
		FN(stop_daemon),
		FN(lookup_connection_value),
		FN(queue_response),
		FN(create_response_from_buffer),
		FN(create_response_from_callback),
		FN(create_response_from_fd64),
		FN(add_response_header),
		FN(destroy_response),
#undef FN
	};
	void *lib;

	if (mhd.start_daemon)
		return 0;
	lib = dlopen(VZ_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "vizbpf view: %s\n", dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(lib, fns[i].name);

		if (!f) {
			fprintf(stderr, "vizbpf view: %s: no %s\n", VZ_MHD_SONAME, fns[i].name);
			return -1;
		}
		*(void **)((char *)&mhd + fns[i].at) = f;
	}
	return 0;
}
