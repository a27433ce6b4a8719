"""Audio feedback for live mode: beeps per rep and at the end of a hold or set, spoken numbers.

Tones are short WAV files played with ``aplay`` or ``paplay`` when one is installed, else the
terminal bell; numbers are spoken with ``espeak-ng``/``espeak`` when installed. Every player runs
as a detached subprocess (never blocking the video loop), and any failure (no player, no audio
device) silently degrades: audio must never stop a workout.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

RATE = 16000
TONES = {"rep": (880.0, 0.09), "set": (660.0, 0.45), "start": (990.0, 0.15)}


def write_tone(path: Path, freq: float, dur_s: float, volume: float = 0.4) -> Path:
    """Write a mono 16-bit sine tone with short fades as a WAV file."""
    n = int(RATE * dur_s)
    fade = max(1, int(RATE * 0.01))
    frames = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - 1 - i) / fade)
        v = volume * env * math.sin(2 * math.pi * freq * i / RATE)
        frames += struct.pack("<h", int(v * 32767))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return path


class Audio:
    """Non-blocking beeps and speech.

    Args:
        enabled: False (``--quiet``) makes every method a no-op.
        speak: whether to speak numbers when a speech synthesiser is installed.

    """

    def __init__(self, enabled: bool = True, speak: bool = True) -> None:
        self.enabled = enabled
        self.player = self._find("aplay", "paplay") if enabled else None
        self.speaker = self._find("espeak-ng", "espeak") if enabled and speak else None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._wavs: dict[str, Path] = {}
        self._procs: list[subprocess.Popen[bytes]] = []
        self.failed = False

    @staticmethod
    def _find(*names: str) -> str | None:
        for n in names:
            path = shutil.which(n)
            if path:
                return path
        return None

    @property
    def backend(self) -> str:
        """Which outputs are in use, for the startup line."""
        if not self.enabled:
            return "off"
        tone = Path(self.player).name if self.player and not self.failed else "terminal bell"
        return tone + (f" + {Path(self.speaker).name}" if self.speaker else "")

    def _wav(self, kind: str) -> Path:
        if kind not in self._wavs:
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="repcount-audio-")
            freq, dur = TONES[kind]
            self._wavs[kind] = write_tone(Path(self._dir.name) / f"{kind}.wav", freq, dur)
        return self._wavs[kind]

    def _spawn(self, cmd: list[str]) -> bool:
        self._reap()
        if len(self._procs) > 4:  # the device is stuck: do not pile up players
            return False
        try:
            self._procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL))
            return True
        except OSError:
            return False

    def _reap(self) -> None:
        alive = []
        for p in self._procs:
            rc = p.poll()
            if rc is None:
                alive.append(p)
            elif rc != 0 and isinstance(p.args, list) and p.args and str(p.args[0]) == self.player:
                self.failed = True  # e.g. aplay without a sound card: fall back to the bell
        self._procs = alive

    def beep(self, kind: str = "rep") -> None:
        """Play a tone: ``rep`` (short), ``set`` (end of a hold or set), ``start``."""
        if not self.enabled:
            return
        try:
            if self.player and not self.failed:
                args = [self.player, "-q", str(self._wav(kind))] if self.player.endswith("aplay") \
                    else [self.player, str(self._wav(kind))]
                if self._spawn(args):
                    return
            self.bell()
        except Exception:
            self.failed = True

    def bell(self) -> None:
        """Ring the terminal bell (only on a terminal)."""
        with contextlib.suppress(Exception):
            if sys.stderr.isatty():
                sys.stderr.write("\a")
                sys.stderr.flush()

    def say(self, text: str) -> None:
        """Speak ``text`` when a synthesiser is installed (else nothing)."""
        if not self.enabled or not self.speaker:
            return
        with contextlib.suppress(Exception):
            self._spawn([self.speaker, "-s", "190", text])

    def close(self) -> None:
        """Let running players finish briefly, then clean up."""
        for p in self._procs:
            with contextlib.suppress(Exception):
                p.wait(timeout=1.0)
        for p in self._procs:
            with contextlib.suppress(Exception):
                if p.poll() is None:
                    p.kill()
        self._procs = []
        if self._dir is not None:
            with contextlib.suppress(Exception):
                self._dir.cleanup()
            self._dir = None
