"""Objects finalized as a function returns or raises: its locals go when its
frame is cleared, after the function has returned (sys.setprofile reports the
return first), so the __del__ and the generator close they run are calls made
by its caller, not by it. On 3.12+ CPython clears the frame inside the
evaluator, while the thread's current frame is the activation's C-stack entry
frame."""


class Noisy:
    def __del__(self):
        note("del")


def note(what):
    return what


def paused():
    try:
        yield 1
    finally:
        note("closed")


def returns_with_live_locals():
    keep = Noisy()
    gen = paused()
    next(gen)
    return keep is not None


def raises_with_live_locals():
    keep = Noisy()
    gen = paused()
    next(gen)
    raise KeyError(keep is not None)


def caller():
    return returns_with_live_locals()


def catcher():
    try:
        raises_with_live_locals()
    except KeyError:
        return "caught"


def main():
    print(caller(), catcher(), [caller() for _ in range(3)])


if __name__ == "__main__":
    main()
