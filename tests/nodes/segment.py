"""The private L2 segment between the VMs: a UDP hub on 127.0.0.1, run in a thread.

Each VM's private NIC is a qemu ``-netdev socket,udp=127.0.0.1:<hub>,localaddr=127.0.0.1:<own>``:
qemu sends every Ethernet frame as one datagram to the hub and receives frames on its own port.
The hub repeats each frame to every other VM, so any number of nodes share one broadcast domain,
and nothing outside the VMs (only loopback ports) is on it.
"""

import socket
import threading


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A currently unused port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Hub:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.members: list[int] = []
        self.frames = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="segment-hub", daemon=True)

    def add_member(self) -> int:
        """Reserve the UDP port a VM will receive on; return it."""
        port = free_port(socket.SOCK_DGRAM)
        self.members.append(port)
        return port

    def start(self) -> None:
        self.sock.settimeout(0.5)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                frame, (_, sender) = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.frames += 1
            for port in self.members:
                if port != sender:
                    self.sock.sendto(frame, ("127.0.0.1", port))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self.sock.close()
