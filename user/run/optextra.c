// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "optextra.h"
#include "user/base/log.h"
#include "user/view/view.h"

static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *full = NULL;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&full, "%s/%s", *dir ? dir : ".", name) < 0) {
			full = NULL;
			break;
		}
		if (!access(full, X_OK))
			break;
		free(full);
		full = NULL;
	}
	free(copy);
	return full;
}

char **optextra_python_command(const char *module, const char *cmd, char **rest)
{
	char *py = find_in_path("python3");
	size_t n = 0, i = 0;
	char **argv;

	if (!py) {
		elog("%s: no python3 on PATH (give the program after --)", module ? "-m" : "-c");
		return NULL;
	}
	while (rest && rest[n])
		n++;
	argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[i++] = py;
	argv[i++] = module ? "-m" : "-c";
	argv[i++] = (char *)(module ? module : cmd);
	for (size_t k = 0; k < n; k++)
		argv[i++] = rest[k];
	return argv;
}

char *optextra_unique_name(const char *what)
{
	const char *slash = strrchr(what, '/');
	char base[NAME_MAX + 1], *dot, *out;
	struct timeval tv;

	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : what);
	dot = strrchr(base, '.');
	if (dot && !strcmp(dot, ".py"))
		*dot = '\0';
	gettimeofday(&tv, NULL);
	if (asprintf(&out, "result_%s_%lld%06ld.json", base, (long long)tv.tv_sec,
		     (long)tv.tv_usec) < 0)
		return NULL;
	return out;
}

char *optextra_in_dir(const char *dir, const char *name)
{
	struct stat st;
	char *out;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		elog("--output_dir %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		elog("--output_dir %s: not a directory", dir);
		return NULL;
	}
	/* As os.path.join, which VizTracer uses: an absolute name stays itself. */
	if (asprintf(&out, "%s/%s", name[0] == '/' ? "" : dir, name[0] == '/' ? name + 1 : name) < 0)
		return NULL;
	return out;
}

void optextra_open(const char *path)
{
	/* Any free port: another vizbpf view may hold 9001; the URL is printed. */
	char *argv[] = { "view", "--once", "--port", "0", (char *)path, NULL };
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		elog("--open: cannot start vizbpf view: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		_exit(view_main(5, argv));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static const struct {
	const char *name, *why;
} refusals[] = {
	{ "log_func_with_objprint", "objprint runs inside the process; vizbpf injects no Python" },
	{ "log_func_repr", "a repr function runs inside the process; vizbpf injects no Python" },
	{ "log_torch", "torch's profiler runs inside the process" },
	{ "log_var", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "log_number", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "log_attr", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "log_func_exec", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "log_func_entry", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "magic_comment", "VizTracer rewrites the program's source for it; vizbpf changes no code" },
	{ "plugins", "VizTracer plugins run inside the process" },
	{ "trace_self", "vizbpf has no Python code of its own to trace" },
	{ "ignore_multiprocess", "not implemented: vizbpf always follows the process tree" },
	{ "dump_raw", "a VizTracer-internal output path; vizbpf always streams JSON" },
	{ "subprocess_child", "VizTracer-internal (its child processes' command line)" },
	{ "patch_only", "VizTracer-internal (patching without tracing)" },
	{ "compress", "VizTracer's cvf format is not supported; use -o FILE.json.gz" },
	{ "decompress", "VizTracer's cvf format is not supported" },
	{ "attach_installed", "vizbpf attaches with nothing installed: use -p PID" },
	{ "uninstall", "vizbpf installs nothing in a process: nothing to uninstall" },
	{ "combine", "use `vizbpf combine FILE... -o OUT`" },
	{ "align_combine", "use `vizbpf combine --align FILE... -o OUT`" },
	{ "generate_flamegraph", "use a viewer's flame chart (vizbpf view)" },
	{ "save_flamegraph", "use a viewer's flame chart (vizbpf view)" },
};

const char *optextra_refusal(const char *name)
{
	while (*name == '-')
		name++;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		size_t n = strlen(refusals[i].name);

		if (!strncmp(name, refusals[i].name, n) && (!name[n] || name[n] == '='))
			return refusals[i].why;
	}
	return NULL;
}
