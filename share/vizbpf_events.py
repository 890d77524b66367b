# SPDX-License-Identifier: BSD-2-Clause
"""Custom events for vizbpf: copy this file next to your program (or onto sys.path).

    from vizbpf_events import instant, counter, span

    instant("cache miss", key)            # an instant on this thread, args {"value": key}
    counter("queue", depth=3, busy=1)     # a counter track "queue" with series depth and busy
    with span("load config"):             # a slice around the block
        ...
    @span("handle")                       # ...or around every call of a function
    def handle(req): ...

    @log_sparse                           # vizbpf --log_sparse records only such calls
    def step(): ...
    @log_sparse(stack_depth=2)            # ...with what they call, 2 levels in all
    def batch(): ...                      # (stack_depth=-1: the whole subtree)

The functions do nothing: vizbpf, tracing the process from outside, recognises their calls
(by this file's name and the functions' names) and reads their arguments from the frame.
Without vizbpf each costs one empty Python call (span: one for __enter__, one for __exit__).
Arguments vizbpf reads: str, int (64-bit), float, bool and None; anything else is written as
its type name. counter() takes at most 8 series, instant() one value.

When VizTracer is tracing the process as this module is imported, the calls are forwarded to
it (add_instant, add_counter, log_event), so the same markers work under either tool.
"""

__all__ = ["instant", "counter", "span", "log_sparse"]


def _viztracer():
    try:
        from viztracer import get_tracer
    except Exception:
        return None
    t = get_tracer()
    return t if t is not None and getattr(t, "enable", False) else None


_vt = None  # VizTracer, looked up once on first use


def instant(name, value=None):
    """An instant event named name on this thread; value (a scalar) in its args."""
    if _vt is not None:
        _vt.add_instant(name, {"value": value} if value is not None else {}, scope="t")


def counter(name, **values):
    """A counter named name: each keyword is a series (numbers; bools count as 0/1)."""
    if _vt is not None:
        _vt.add_counter(name, values)


class span:
    """A duration slice named name: `with span(name):` or `@span(name)` on a function."""

    # vizbpf reads name from the first slot; CPython lays slots out in sorted order, so every
    # other slot must sort after "name".
    __slots__ = ("name", "vt_event")

    def __init__(self, name):
        self.name = name
        self.vt_event = None

    def __enter__(self):
        if _vt is not None:
            self.vt_event = _vt.log_event(self.name)
            self.vt_event.__enter__()
        return self

    def __exit__(self, *exc):
        if self.vt_event is not None:
            self.vt_event.__exit__(*exc)
            self.vt_event = None
        return False

    def __call__(self, fn):
        import functools

        name = self.name

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with span(name):
                return fn(*args, **kwargs)

        return wrapper


def _sparse_wrap(fn):
    def _vizbpf_sparse(*args, **kwargs):
        return fn(*args, **kwargs)

    return _vizbpf_sparse


_sparse_codes = {}  # depth -> the marker's code object, named after it


def _sparse_code(levels):
    # vizbpf reads the depth from the marker's code name (its code description): nothing is
    # read per call. One code object per depth asked for, the same body.
    code = _sparse_codes.get(levels)
    if code is None:
        import sys

        name = "_vizbpf_sparse_" + ("all" if levels < 0 else str(levels))
        names = {"co_name": name}
        if sys.version_info >= (3, 11):
            names["co_qualname"] = name
        code = _sparse_wrap(None).__code__.replace(**names)
        code = _sparse_codes.setdefault(levels, code)
    return code


def log_sparse(func=None, stack_depth=0, dynamic_tracer_check=False):
    """VizTracer's @log_sparse: `@log_sparse`, `@log_sparse(stack_depth=N)`.

    Under `vizbpf --log_sparse` only calls of decorated functions are recorded, with what they
    call down to stack_depth levels in all (0 or 1: the call alone; -1: its whole subtree).
    The wrapper is one plain Python call; vizbpf never draws it. When VizTracer is tracing as
    this module is imported, VizTracer's own log_sparse is used instead.
    """
    if func is None:
        return lambda f: log_sparse(f, stack_depth, dynamic_tracer_check)
    if _vt is not None:
        from viztracer import log_sparse as vt_log_sparse

        depth = stack_depth if stack_depth >= 0 else 2**31 - 1
        return vt_log_sparse(func, stack_depth=depth, dynamic_tracer_check=dynamic_tracer_check)
    import functools

    wrapper = _sparse_wrap(func)
    wrapper.__code__ = _sparse_code(stack_depth if stack_depth != 0 else 1)
    return functools.wraps(func)(wrapper)


_vt = _viztracer()
