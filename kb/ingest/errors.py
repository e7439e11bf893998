"""Errors of the ingestion stages, each with a message meant for a maintainer."""


class ParseError(ValueError):
    """A source's text could not be made into passages (garbage, wrong layout, nothing found)."""


class ExtractError(ParseError):
    """A body could not be turned into text at all (broken PDF, undecodable bytes)."""


class ConfigError(ValueError):
    """The run cannot start: a bad manifest, an unknown source id, an unreadable mirror."""
