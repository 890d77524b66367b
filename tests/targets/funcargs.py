"""--log_func_args: calls with arguments of every kind vizbpf shows. Prints, for each call of
f/g in order, the func_args vizbpf must write (its rules, computed here from the values
themselves), one JSON object per line."""
import json


class Foo:
    pass


TEXT = 31  # bytes of a str/bytes vizbpf captures (VZ_ARG_TEXT - 1)


def show(v):
    if v is None or isinstance(v, (bool, float)):
        return repr(v)
    if isinstance(v, int):
        return repr(v) if abs(v) < 2**63 - 1 else "<int>"
    if isinstance(v, str):
        data = v.encode("latin-1") if max(map(ord, v), default=0) < 256 else None
        if data is not None and len(data) > TEXT:  # 1-byte kind: TEXT characters
            return "'" + v[:TEXT] + "...' (len %d)" % len(v)
        return repr(v)
    if isinstance(v, bytes):
        if len(v) > TEXT:
            return repr(v[:TEXT])[:-1] + "...' (len %d)" % len(v)
        return repr(v)
    if isinstance(v, (tuple, list, dict)):
        return "<%s of length %d>" % (type(v).__name__, len(v))
    return "<%s object>" % type(v).__name__


calls = []


def f(a, b, c=None, *rest, key="k", **kw):
    return a


def g(x):
    return x


def expect(fn, *args, **kwargs):
    import inspect
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    out = {}
    for name, p in inspect.signature(fn).parameters.items():
        out[name] = show(bound.arguments[name])
    calls.append(out)
    fn(*args, **kwargs)


def main():
    expect(f, 1, 2.5, None, "hello", True, key=b"by\x00tes", extra=[1, 2])
    expect(f, -123456789012, 0.1, {"a": 1}, (1, 2, 3))
    expect(f, 0, -0.0, 1e300, key="tab\tnew\nline\\")
    expect(f, 1e16, 230.0, 1e-05, 1 / 3)
    expect(g, Foo())
    expect(g, "x" * 100)
    expect(g, b"y" * 50)
    expect(g, False)
    expect(g, 2**62 + 5)
    expect(g, "h\u00e9llo \u2603")
    expect(g, [])
    for c in calls:
        print(json.dumps(c, sort_keys=True))


main()
