"""Starts a Python child and exits at once, without waiting: under vizbpf the child is
still being followed (held at its exec or its first call) when the traced program ends.
The child writes the file argv[1] after a moment."""
import subprocess
import sys

subprocess.Popen([sys.executable, "-c",
                  "import sys, time; time.sleep(0.2); open(sys.argv[1], 'w').write('done')",
                  sys.argv[1]])
