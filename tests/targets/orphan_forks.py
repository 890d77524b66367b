"""Leaves a fork()ed child behind and exits at once: the child outlives the traced program
(and so its vizbpf), then forks a grandchild, which writes the file argv[1]. Under vizbpf the
grandchild must run on: its vizbpf is gone, whatever else is probed by then (another vizbpf's
launch, whose probe sites are in the same library)."""
import os
import sys
import time

if os.fork() == 0:
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    child = os.fork()
    if child == 0:
        with open(sys.argv[1], "w") as f:
            f.write("done")
        os._exit(0)
    os.waitpid(child, 0)
    os._exit(0)
