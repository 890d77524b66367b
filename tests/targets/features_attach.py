"""features.py to attach to: warm-up rounds of every section (so that CPython
3.11+ has specialized the hot code, and quickened it), then "ready"; once the
file argv[1] exists, one marked round (attached_main, attached_known), "worked";
then it waits for argv[1] + ".end" and exits."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features  # noqa: E402

WARM_UP_ROUNDS = 60


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.01)


def run():
    for _ in range(WARM_UP_ROUNDS):
        features.main_sections()
        features.known_section()
    print("ready", flush=True)
    wait_for(sys.argv[1])
    for section in features.attached_main():
        print(section)
    print(features.attached_known())
    print("worked", flush=True)
    wait_for(sys.argv[1] + ".end")


run()
