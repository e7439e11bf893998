"""What a corpus says of itself, read from its documents alone: the instruments' names
and which one supplements which (``names.py``), the defined terms (``definitions.py``)
and the cross-references between passages (``references.py``).

A stage between the documents (``kb/models.py``) and both their users: ``kb ingest``
reads these once per generation and stores them with it (``stored.py``), and the search
serves them (``kb/search/corpus.py``) and reads names in queries. It knows neither.
"""
