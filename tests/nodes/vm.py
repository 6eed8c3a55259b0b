"""One qemu VM per node: start, liveness, stop by PID."""

import os
import signal
import subprocess
import time
from pathlib import Path

from .image import Image
from .progress import say
from .seed import MGMT_NET, mgmt_mac, private_mac
from .spec import NodeSpec

ACCEL = os.environ.get("OSBP_NODES_ACCEL", "tcg")
MEMORY_MIB = int(os.environ.get("OSBP_NODES_MEM", "1024"))


class VM:
    def __init__(
        self, node: NodeSpec, index: int, image: Image, seed: Path, workdir: Path, logdir: Path,
        hub_port: int, member_ports: list[int], forwards: dict[int, int], generation: int = 0,
    ) -> None:  # fmt: skip
        self.node, self.index, self.image, self.seed = node, index, image, seed
        self.workdir, self.logdir = workdir, logdir
        self.hub_port, self.member_ports = hub_port, member_ports  # one member port per NIC
        self.generation = generation  # 0: first server of the role; n: its n-th replacement
        self.forwards = forwards  # guest port -> host port on 127.0.0.1 (22 included)
        self.name = node.role if generation == 0 else f"{node.role}-replacement{generation}"
        self.serial_log = logdir / f"{self.name}-serial.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _disks(self) -> list[str]:
        """A fresh root disk per server; data volumes are created once and follow the role
        (a replacement gets the same volumes, as Cinder re-attaches them)."""
        root = self.workdir / f"{self.name}-root.qcow2"
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(self.image.disk),
             "-F", "qcow2", str(root)],
            check=True,
        )  # fmt: skip
        args = [
            "-drive", f"file={root},if=none,id=root,format=qcow2,cache=unsafe",
            "-device", "virtio-blk-pci,drive=root",
        ]  # fmt: skip
        for i, disk in enumerate(self.node.disks):
            path = self.workdir / f"{self.node.role}-vol{i}.qcow2"
            if not path.exists():
                subprocess.run(
                    ["qemu-img", "create", "-q", "-f", "qcow2", str(path), f"{disk.size_gib}G"],
                    check=True,
                )
            args += [
                "-drive", f"file={path},if=none,id=vol{i},format=qcow2,cache=unsafe",
                "-device", f"virtio-blk-pci,drive=vol{i},serial={disk.serial}",
            ]  # fmt: skip
        args += [
            "-drive", f"file={self.seed},if=none,id=seed,format=raw,readonly=on",
            "-device", "virtio-blk-pci,drive=seed",
        ]  # fmt: skip
        return args

    def start(self) -> None:
        if ACCEL == "kvm":
            accel = ["-accel", "kvm", "-cpu", "host"]
        else:
            accel = ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"]
        fwd = ",".join(f"hostfwd=tcp:127.0.0.1:{h}-:{g}" for g, h in self.forwards.items())
        argv = [
            "qemu-system-x86_64", "-name", f"osbp-{self.node.role}",
            "-machine", "q35", *accel, "-m", str(MEMORY_MIB), "-smp", "1",
            "-nodefaults", "-display", "none", "-monitor", "none",
            "-kernel", str(self.image.kernel), "-initrd", str(self.image.initrd),
            "-append", "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0",
            "-serial", f"file:{self.serial_log}",
            *self._disks(),
            "-netdev", f"user,id=mgmt,net={MGMT_NET},restrict=on,{fwd}",
            "-device", f"virtio-net-pci,netdev=mgmt,mac={mgmt_mac(self.index)}",
            *self._private_nics(),
        ]  # fmt: skip
        with (self.logdir / f"{self.name}-qemu.log").open("w") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        self.started_at = time.monotonic()
        ports = ", ".join(f"{g}->127.0.0.1:{h}" for g, h in self.forwards.items())
        ips = ", ".join(str(a.ip) for a in self.node.addresses)
        say(f"{self.name}: VM started pid={self.pid} ({ips}; {ports})")

    def _private_nics(self) -> list[str]:
        args = []
        for nic, port in enumerate(self.member_ports):
            args += [
                "-netdev", f"socket,id=priv{nic},udp=127.0.0.1:{self.hub_port},"
                           f"localaddr=127.0.0.1:{port}",
                "-device", f"virtio-net-pci,netdev=priv{nic},mac={private_mac(self.index, nic)}",
            ]  # fmt: skip
        return args

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def peak_rss_mib(self) -> float | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def wait_exit(self, timeout: float) -> bool:
        """Wait for the guest to power itself off; True if qemu exited."""
        try:
            if self.proc is not None:
                self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        """SIGTERM the qemu process by its PID, SIGKILL it if it has not exited after 10 s."""
        if not self.alive():
            return
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        say(f"{self.name}: VM pid={self.proc.pid} stopped")
