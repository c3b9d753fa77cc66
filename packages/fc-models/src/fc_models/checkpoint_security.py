"""Refusing files that would run code when loaded, before anything in them is read as data.

A Python pickle names functions for the reader to call; ``torch.load`` of a ``torch.save`` file
or of a Lightning ``.ckpt`` unpickles, so opening such a file from an untrusted source runs
whatever its author chose. fc checkpoints hold only JSON and safetensors, and fc never
unpickles. To give a useful message rather than "not an fc artifact", the first bytes (and, for
a zip file, its list of member names) are looked at — and nothing else: no member is
decompressed or unpickled here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from fc_models.exceptions import UnsafeCheckpointError

__all__ = ["refuse_unsafe_file"]

_ZIP_MAGIC = b"PK\x03\x04"
#: Pickle protocol 2 and later start with the PROTO opcode and the protocol number.
_PICKLE_PROTOCOLS = {bytes([0x80, n]) for n in range(2, 6)}
_PICKLE_SUFFIXES = (".pkl", ".pickle")

_WHAT_TO_DO = (
    "fc never unpickles files, because unpickling runs code chosen by whoever wrote the file. "
    "A Lightning .ckpt is only for resuming a training run: export an inference checkpoint "
    "from it with fc-training (which writes it with fc_models.save_checkpoint), or save a model "
    "you hold in Python with fc_models.save_checkpoint, and load that."
)


def refuse_unsafe_file(path: str | Path) -> None:
    """Raise :class:`UnsafeCheckpointError` if ``path`` is a pickle or holds one.

    Recognised: a bare pickle (``torch.save`` before PyTorch 1.6, ``pickle.dump``) and a zip
    file with a pickled member (``torch.save`` since 1.6, Lightning ``.ckpt``, a tampered fc
    file). Anything else is left for the artifact reader to judge.

    Raises
    ------
    UnsafeCheckpointError
        Saying what the file is and what to do instead.
    """
    target = Path(path)
    try:
        with target.open("rb") as stream:
            head = stream.read(4)
    except OSError:
        return  # missing or unreadable: the artifact reader reports it properly
    where = f"{str(target)!r}"
    if head[:2] in _PICKLE_PROTOCOLS:
        raise UnsafeCheckpointError(
            f"{where} is a Python pickle (as written by torch.save or pickle.dump), not an fc "
            f"checkpoint; refusing to load it. {_WHAT_TO_DO}"
        )
    if head != _ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(target) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return  # a damaged zip: the artifact reader says so
    pickled = [n for n in names if n.lower().endswith(_PICKLE_SUFFIXES)]
    if not pickled:
        return
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in pickled):
        what = "a PyTorch checkpoint written by torch.save (a Lightning .ckpt is one)"
    else:
        what = f"a zip file holding pickled member(s) ({', '.join(pickled[:3])})"
    raise UnsafeCheckpointError(
        f"{where} is {what}, not an fc checkpoint; refusing to load it. {_WHAT_TO_DO}"
    )
