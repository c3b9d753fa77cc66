"""The ``synthetic`` source (entry point ``fc_datasets.sources.synthetic:SyntheticSource``)."""

from fc_datasets.synthetic.source import SyntheticSource

__all__ = ["SyntheticSource"]
