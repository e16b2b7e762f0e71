"""``--init-from CKPT``, the part both trainers share: a new run that starts from another run's weights
(fine-tuning on another text, char-rnn's ``-init_from``). The model's configuration comes from the
checkpoint; the optimizer state, the counters and the data are new."""
from __future__ import annotations

from collections.abc import Iterable

from .errors import UserError
from .training import Conflict, conflict_phrase

RESUME_CONFLICT = ("--init-from starts a new run from a checkpoint's weights and --resume continues a run; "
                   "give only one of them")


def refuse_with_resume(init_from: str | None, resume: str | None) -> None:
    if init_from and resume:
        raise UserError(RESUME_CONFLICT)


def refuse_model_conflicts(conflicts: Iterable[Conflict], path: str) -> None:
    """One UserError naming every model option that contradicts the checkpoint --init-from starts from."""
    phrase = conflict_phrase(conflicts)
    if phrase is not None:
        options, verb, theirs, pronoun = phrase
        raise UserError(f"{options} {verb} from the model in {path!r} ({theirs}); drop {pronoun}: --init-from "
                        "takes the model's configuration from its checkpoint")
