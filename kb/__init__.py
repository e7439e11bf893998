"""kb: a knowledge base of internet-governance sessions and the instruments they debate."""

__version__ = "0.1.0"
