"""Search spaces: the spec's tuple DSL parsed into typed, versioned dimensions."""

from ._dimensions import Categorical, Condition, Dimension, Float, Int
from ._parse import parse_space
from ._space import SearchSpace

__all__ = ["Categorical", "Condition", "Dimension", "Float", "Int", "SearchSpace", "parse_space"]
