"""--log_audit target: open(), a socket and a custom sys.audit event with arguments, no hook
installed in the program (vizbpf's probes must see them anyway). The events it caused are
printed as JSON on the last line of stdout ([event, [str(arg)...]] each)."""
import json
import os
import socket
import sys
import tempfile
import time

done = []


def main():
    path = os.path.join(tempfile.gettempdir(), "vizbpf-audit-%d" % os.getpid())
    with open(path, "w") as f:
        f.write("x")
    # flags: these bits at least (io adds O_CLOEXEC)
    done.append(["open", [path, "w", str(os.O_WRONLY | os.O_CREAT | os.O_TRUNC)]])
    os.unlink(path)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    done.append(["socket.__new__", ["<socket>", str(int(socket.AF_INET)),
                                    str(int(socket.SOCK_STREAM)), "0"]])
    s.close()
    sys.audit("myapp.event", 1, "x")
    done.append(["myapp.event", ["1", "x"]])
    sys.audit("myapp.other", 2.5, None, True, [1])
    done.append(["myapp.other", ["2.5", "None", "True", "<list>"]])
    print(json.dumps(done), flush=True)


if len(sys.argv) > 1:
    print("ready", flush=True)
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
main()
