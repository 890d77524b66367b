"""--log_func_retval: functions returning every kind of value vizbpf shows. Prints, for each
call of a r_* function in call order, its name and the return_value vizbpf must write (its
rules, computed here from the value itself), tab-separated; a call that raises prints '-'
(no value). Argument: a recursion depth for r_deep (default 20)."""
import sys


class Foo:
    pass


TEXT = 31  # bytes of a str/bytes vizbpf captures (VZ_ARG_TEXT - 1)


def show(v):
    if v is None or isinstance(v, (bool, float)):
        return repr(v)
    if isinstance(v, int):
        return repr(v) if abs(v) < 2**63 - 1 else "<int>"
    if isinstance(v, str):
        if max(map(ord, v), default=0) < 256 and len(v) > TEXT:
            return "'" + v[:TEXT] + "...' (len %d)" % len(v)
        return repr(v)
    if isinstance(v, bytes):
        if len(v) > TEXT:
            return repr(v[:TEXT])[:-1] + "...' (len %d)" % len(v)
        return repr(v)
    if isinstance(v, (tuple, list, dict)):
        return "<%s of length %d>" % (type(v).__name__, len(v))
    return "<%s object>" % type(v).__name__


def r_int(x):
    return x


def r_float(x):
    return x


def r_str(x):
    return x


def r_bytes(x):
    return x


def r_none(x):
    pass


def r_bool(x):
    return x


def r_tuple(x):
    return x


def r_list(x):
    return x


def r_dict(x):
    return x


def r_obj(x):
    return x


def r_outer(x):
    # Its callee returns first: each return keeps its own value.
    return r_int(x) + 1


def r_raises(x):
    raise ValueError(x)


def r_gen():
    # Each resume returns what it yields (sys.setprofile's 'return' event too), the last one
    # its return value.
    yield 1
    yield "two"
    return 3


def r_deep(n):
    return n if n == 0 else r_deep(n - 1) + 1


out = []


def call(fn, x):
    try:
        v = fn(x)
    except ValueError:
        out.append((fn.__name__, "-"))
        return
    out.append((fn.__name__, show(v)))


def main():
    call(r_int, 42)
    call(r_int, -123456789012)
    call(r_float, 2.5)
    call(r_float, 1 / 3)
    call(r_str, "hello")
    call(r_str, "q'uote\n")
    call(r_str, "x" * 100)
    call(r_bytes, b"by\x00tes")
    call(r_bytes, b"y" * 50)
    call(r_none, 1)
    call(r_bool, True)
    call(r_tuple, (1, 2, 3))
    call(r_list, [])
    call(r_dict, {"a": 1, "b": 2})
    call(r_obj, Foo())
    call(r_raises, 7)
    g = r_gen()
    out.append(("r_gen", show(next(g))))
    out.append(("r_gen", show(next(g))))
    try:
        next(g)
    except StopIteration as e:
        out.append(("r_gen", show(e.value)))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    # r_deep's calls return innermost first: record them in that order, then r_outer's pair.
    v = r_deep(n)
    out.extend(("r_deep", show(i)) for i in range(v + 1))
    v = r_outer(5)
    out.append(("r_int", show(5)))
    out.append(("r_outer", show(v)))
    for name, s in out:
        print("%s\t%s" % (name, s))


main()
