"""Which variable sits at which position, in the three index spaces a model uses.

A model deals with three orderings of the variables, all following the dataset's order:

``full``
    Every variable of the model (the dataset's variables the model uses).
``input``
    Prognostic and forcing variables: what the network reads.
``output``
    Prognostic and diagnostic variables: what the network writes.

A wrong index silently trains one variable on another's data, so the mapping lives in one
place, is checked when it is made, and travels inside the checkpoint (as the ``variables`` and
role lists of its metadata). Index maps are returned as ``int64`` torch tensors for
``tensor[..., index]`` and ``index_select``; torch is imported only when one is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from fc_config.suggest import did_you_mean
from fc_models.exceptions import VariablesError

if TYPE_CHECKING:
    import torch

__all__ = ["ROLES", "DataIndices", "Role", "Space"]

Role = Literal["prognostic", "forcing", "diagnostic"]
Space = Literal["full", "input", "output"]
ROLES: tuple[Role, ...] = ("prognostic", "forcing", "diagnostic")


@dataclass(frozen=True)
class DataIndices:
    """The model's variables, their roles and their positions in each index space.

    Parameters
    ----------
    variables
        Every variable, in the dataset's order: this order fixes every position.
    prognostic
        Variables that are input and output, stepped forward in time (any order: they are
        kept in the order of ``variables``). At least one is needed.
    forcing
        Input-only variables, known in advance (insolation, orography).
    diagnostic
        Output-only variables (precipitation).

    Raises
    ------
    VariablesError
        When a name is repeated or unknown (with the closest valid name), a variable has no
        role or two, or there is no prognostic variable.

    Examples
    --------
    >>> idx = DataIndices(["2t", "lsm", "tp", "z"], prognostic=["z", "2t"], forcing=["lsm"],
    ...                   diagnostic=["tp"])
    >>> idx.input, idx.output
    (('2t', 'lsm', 'z'), ('2t', 'tp', 'z'))
    >>> idx.positions(["z", "tp"], "output")
    [2, 1]
    """

    variables: tuple[str, ...]
    prognostic: tuple[str, ...]
    forcing: tuple[str, ...] = ()
    diagnostic: tuple[str, ...] = ()
    _roles: dict[str, Role] = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        variables: Iterable[str],
        *,
        prognostic: Iterable[str],
        forcing: Iterable[str] = (),
        diagnostic: Iterable[str] = (),
    ) -> None:
        names = tuple(variables)
        _check_unique(names, "variables")
        roles: dict[str, Role] = {}
        for role, given in (
            ("prognostic", prognostic),
            ("forcing", forcing),
            ("diagnostic", diagnostic),
        ):
            members = tuple(given)
            _check_unique(members, role)
            for name in members:
                if name not in names:
                    raise VariablesError(
                        f"{role} variable {name!r} is not one of the variables "
                        f"({', '.join(names)}).{did_you_mean(name, names)}"
                    )
                if name in roles:
                    raise VariablesError(
                        f"variable {name!r} is both {roles[name]} and {role}; give it one role."
                    )
                roles[name] = role  # type: ignore[assignment]
        without = [name for name in names if name not in roles]
        if without:
            raise VariablesError(
                f"variable(s) {', '.join(map(repr, without))} have no role.",
                hint="List each variable as prognostic, forcing or diagnostic, "
                "or leave it out of the variables.",
            )
        if not any(role == "prognostic" for role in roles.values()):
            raise VariablesError(
                "the model has no prognostic variable: an autoregressive model needs at least one.",
                hint="Mark the variables the model steps forward in time as prognostic.",
            )
        object.__setattr__(self, "variables", names)
        object.__setattr__(self, "_roles", roles)
        for role in ROLES:
            object.__setattr__(self, role, tuple(n for n in names if roles[n] == role))

    # --- names --------------------------------------------------------------------------------

    @cached_property
    def input(self) -> tuple[str, ...]:
        """Prognostic and forcing variables, in dataset order: the network's input channels."""
        return tuple(n for n in self.variables if self._roles[n] != "diagnostic")

    @cached_property
    def output(self) -> tuple[str, ...]:
        """Prognostic and diagnostic variables, in dataset order: the network's output channels."""
        return tuple(n for n in self.variables if self._roles[n] != "forcing")

    def names(self, space: Space) -> tuple[str, ...]:
        """Return the variables of index space ``space`` in order."""
        if space == "full":
            return self.variables
        if space == "input":
            return self.input
        if space == "output":
            return self.output
        raise VariablesError(
            f"unknown index space {space!r}.{did_you_mean(str(space), ('full', 'input', 'output'))}"
        )

    def role_of(self, name: str) -> Role:
        """Return the role of variable ``name``."""
        self.index_of(name)
        return self._roles[name]

    def index_of(self, name: str, space: Space = "full") -> int:
        """Return the position of variable ``name`` in index space ``space``.

        Raises
        ------
        VariablesError
            When the variable is unknown (with the closest name) or not in that space (a
            forcing has no output position, a diagnostic no input position).
        """
        if name not in self._roles:
            raise VariablesError(
                f"the model has no variable {name!r}.{did_you_mean(name, self.variables)}"
            )
        names = self.names(space)
        try:
            return names.index(name)
        except ValueError:
            raise VariablesError(
                f"variable {name!r} is {self._roles[name]} and has no {space} position."
            ) from None

    def positions(self, names: Iterable[str], space: Space = "full") -> list[int]:
        """Return the positions of ``names`` in index space ``space``, in the order given."""
        return [self.index_of(name, space) for name in names]

    # --- index tensors --------------------------------------------------------------------------

    def index(self, names: Iterable[str], space: Space = "full") -> torch.Tensor:
        """Return the positions of ``names`` in ``space`` as an ``int64`` tensor."""
        import torch

        return torch.tensor(self.positions(names, space), dtype=torch.long)

    @property
    def full_to_input(self) -> torch.Tensor:
        """Positions in ``full`` of the input variables: ``x_full[..., full_to_input]`` is the input."""
        return self.index(self.input, "full")

    @property
    def full_to_output(self) -> torch.Tensor:
        """Positions in ``full`` of the output variables."""
        return self.index(self.output, "full")

    @property
    def prognostic_input(self) -> torch.Tensor:
        """Positions of the prognostic variables in ``input``, aligned with :attr:`prognostic_output`."""
        return self.index(self.prognostic, "input")

    @property
    def prognostic_output(self) -> torch.Tensor:
        """Positions of the prognostic variables in ``output``, aligned with :attr:`prognostic_input`."""
        return self.index(self.prognostic, "output")

    @property
    def forcing_input(self) -> torch.Tensor:
        """Positions of the forcing variables in ``input``, in the order of :attr:`forcing`."""
        return self.index(self.forcing, "input")

    @property
    def diagnostic_output(self) -> torch.Tensor:
        """Positions of the diagnostic variables in ``output``, in the order of :attr:`diagnostic`."""
        return self.index(self.diagnostic, "output")

    # --- serialisation --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[str]]:
        """Return the indices as JSON-ready lists (the keys of the checkpoint metadata)."""
        return {
            "variables": list(self.variables),
            "prognostic": list(self.prognostic),
            "forcing": list(self.forcing),
            "diagnostic": list(self.diagnostic),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> DataIndices:
        """Rebuild indices from :meth:`to_dict`'s output, or from a checkpoint's metadata.

        Keys other than ``variables`` and the three roles are ignored, so that a whole
        checkpoint metadata document can be passed.
        """
        try:
            variables = document["variables"]
        except KeyError:
            raise VariablesError("the document has no 'variables' list.") from None
        return cls(
            variables,
            prognostic=document.get("prognostic", ()),
            forcing=document.get("forcing", ()),
            diagnostic=document.get("diagnostic", ()),
        )

    def __len__(self) -> int:
        return len(self.variables)


def _check_unique(names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    repeated = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if repeated:
        raise VariablesError(
            f"{what} repeats {', '.join(map(repr, dict.fromkeys(repeated)))}; "
            "each variable appears once."
        )
