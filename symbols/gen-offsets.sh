#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Computes struct vz_py_offsets (bpf/vizbpf.h) for one libpython that has
# DWARF debug info, with gdb, and prints it as `field=value` lines in the
# order of the struct (-1: the version has no such field). This is the
# independent source the tables in symbols/pyoffsets.c are checked against
# (tests/cli/05-offsets.bats).
#
#   symbols/gen-offsets.sh /root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0
#
# The version (major.minor) comes from the file name (libpython3.X...), or
# from VZ_PY_VERSION=3.X when the name does not tell (e.g. a static python).
# Exits 1 if gdb is missing, the file has no debug info, or a field the
# version must have cannot be computed.
set -euo pipefail

lib=${1:?usage: $0 LIBPYTHON}
[[ -r $lib ]] || { echo "$0: cannot read $lib" >&2; exit 1; }
command -v gdb >/dev/null || { echo "$0: gdb not found" >&2; exit 1; }

ver=${VZ_PY_VERSION:-}
if [[ -z $ver && $(basename "$lib") =~ ^libpython([0-9]+)\.([0-9]+) ]]; then
	ver=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
fi
[[ $ver =~ ^[0-9]+\.[0-9]+$ ]] || { echo "$0: cannot tell the version of $lib; set VZ_PY_VERSION=3.X" >&2; exit 1; }

py=$(mktemp --suffix=.py)
trap 'rm -f "$py"' EXIT
cat > "$py" <<PYEOF
import gdb, sys

MAJOR, MINOR = ${ver%%.*}, ${ver#*.}
V = (MAJOR, MINOR)
errors = []
gdb.execute("set max-value-size unlimited")

def ev(expr):
    try:
        return int(gdb.parse_and_eval(expr))
    except gdb.error:
        return None

def off(typ, path):
    return ev("(long)&((%s *)0)->%s" % (typ, path))

def first(*cands):
    """First existing offset among (type, field path) candidates, else -1."""
    for typ, path in cands:
        o = off(typ, path)
        if o is not None:
            return o
    return -1

def need(name, val):
    if val is None or val < 0:
        errors.append(name)
        return -1
    return val

def size(typ):
    return ev("sizeof(%s)" % typ)

out = []
def put(name, val):
    out.append((name, val))

# PY_VERSION_HEX of major.minor; 3.11+ also exports it as Py_Version.
put("py_version_hex", (MAJOR << 24) | (MINOR << 16))
pv = ev("Py_Version") if V >= (3, 11) else None
if pv is not None and (pv >> 16) != ((MAJOR << 8) | MINOR):
    errors.append("Py_Version 0x%x does not match %d.%d" % (pv, MAJOR, MINOR))

# Arguments of _PyEval_EvalFrameDefault, 1-based.
frame_arg = tstate_arg = 0
try:
    ftype = gdb.lookup_global_symbol("_PyEval_EvalFrameDefault").type
    for i, f in enumerate(ftype.fields(), 1):
        n = str(f.type)
        if n in ("PyFrameObject *", "_PyInterpreterFrame *", "struct _frame *",
                 "struct _PyInterpreterFrame *"):
            frame_arg = i
        elif n in ("PyThreadState *", "struct _ts *"):
            tstate_arg = i
except (gdb.error, AttributeError):
    pass
put("frame_arg", need("frame_arg", frame_arg))
put("tstate_arg", tstate_arg)

# Only where the GIL state keeps it (3.8-3.11).
put("runtime_tstate_current", first(("_PyRuntimeState", "gilstate.tstate_current")))

if V <= (3, 10):
    put("tstate_frame", need("tstate_frame", off("PyThreadState", "frame")))
elif V <= (3, 12):
    put("tstate_frame", need("tstate_frame", off("PyThreadState", "cframe")))
else:
    put("tstate_frame", need("tstate_frame", off("PyThreadState", "current_frame")))
if (3, 11) <= V <= (3, 12):
    put("cframe_current_frame", need("cframe_current_frame", off("_PyCFrame", "current_frame")))
else:
    put("cframe_current_frame", -1)

put("tstate_interp", need("tstate_interp", off("PyThreadState", "interp")))
put("tstate_c_recursion_remaining", first(("PyThreadState", "c_recursion_remaining")))
put("tstate_py_recursion_remaining", first(("PyThreadState", "py_recursion_remaining"),
                                           ("PyThreadState", "recursion_remaining")))
put("tstate_recursion_headroom", first(("PyThreadState", "recursion_headroom")))
put("tstate_native_thread_id", first(("PyThreadState", "native_thread_id")))
put("tstate_thread_id", need("tstate_thread_id", off("PyThreadState", "thread_id")))
put("tstate_next", need("tstate_next", off("PyThreadState", "next")))

put("interp_eval_frame", first(("PyInterpreterState", "eval_frame")))
put("interp_threads_head", need("interp_threads_head",
    first(("PyInterpreterState", "threads.head"), ("PyInterpreterState", "tstate_head"))))
put("interp_next", need("interp_next", off("PyInterpreterState", "next")))
put("runtime_interpreters_head", need("runtime_interpreters_head",
    off("_PyRuntimeState", "interpreters.head")))

if V <= (3, 10):
    put("frame_code", need("frame_code", off("PyFrameObject", "f_code")))
    put("frame_previous", need("frame_previous", off("PyFrameObject", "f_back")))
    put("frame_owner", -1)
    put("frame_ip", need("frame_ip", off("PyFrameObject", "f_lasti")))
else:
    put("frame_code", need("frame_code", first(("_PyInterpreterFrame", "f_code"),
                                               ("_PyInterpreterFrame", "f_executable"))))
    put("frame_previous", need("frame_previous", off("_PyInterpreterFrame", "previous")))
    put("frame_owner", need("frame_owner", off("_PyInterpreterFrame", "owner")))
    put("frame_ip", need("frame_ip", first(("_PyInterpreterFrame", "prev_instr"),
                                           ("_PyInterpreterFrame", "instr_ptr"))))

put("code_flags", need("code_flags", off("PyCodeObject", "co_flags")))
put("code_firstlineno", need("code_firstlineno", off("PyCodeObject", "co_firstlineno")))
put("code_name", need("code_name", off("PyCodeObject", "co_name")))
put("code_qualname", first(("PyCodeObject", "co_qualname")))
put("code_filename", need("code_filename", off("PyCodeObject", "co_filename")))
put("code_version", first(("PyCodeObject", "co_version")))

put("unicode_state", need("unicode_state", off("PyASCIIObject", "state")))
put("unicode_length", need("unicode_length", off("PyASCIIObject", "length")))
put("unicode_ascii_data", need("unicode_ascii_data", size("PyASCIIObject")))
put("unicode_compact_data", need("unicode_compact_data", size("PyCompactUnicodeObject")))

for k, v in out:
    print("%s=%d" % (k, v))
sys.stdout.flush()
if errors:
    sys.stderr.write("gen-offsets: cannot compute: %s\n" % ", ".join(errors))
    gdb.execute("quit 1")
PYEOF

# No debug info: gdb cannot even see PyCodeObject.
if ! gdb -nx -batch -ex 'ptype PyCodeObject' "$lib" 2>/dev/null | grep -q co_flags; then
	echo "$0: $lib has no DWARF debug info for PyCodeObject" >&2
	exit 1
fi
gdb -nx -batch -x "$py" "$lib"
