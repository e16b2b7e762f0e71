"""``--plot``: a loss curve as a PNG (matplotlib, an optional dependency, in its non-interactive backend)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .errors import UserError

PLOT_NAME = "loss.png"
IMAGE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def plot_path(path: str, option: str = "--plot") -> str:
    """The file a user-named plot goes to: ``path`` with ``.png`` added when it has no suffix; a suffix that is
    not an image format matplotlib writes is a one-line error (checked before any work)."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return path + ".png"
    if suffix not in IMAGE_SUFFIXES:
        raise UserError(f"{option} {path!r}: {suffix} is not an image format; name a {', '.join(IMAGE_SUFFIXES)} file")
    return path


def require_matplotlib() -> None:
    """Check for matplotlib before any work is done, so a missing one costs nothing but one error line."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("--plot needs matplotlib, which is not installed: pip install 'tinygrad-rnn[plot]' "
                        "(or matplotlib), or drop --plot") from None


def plot_curves(path: str | os.PathLike, curves: Sequence[tuple[Sequence[float], Sequence[float], str, str]],
                xlabel: str, ylabel: str, title: str, yscale: str = "linear") -> None:
    """Write ``path``: one line per ``(x, y, label, style)`` curve (empty curves are left out);
    ``yscale`` is matplotlib's ("log" for quantities spanning decades)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for x, y, label, style in curves:
        if len(x):
            ax.plot(x, y, style, label=label)
    ax.set_yscale(yscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
