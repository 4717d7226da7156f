"""The template builder: the clinic's templates (``catalogue``) and one template's
builder (``builder_state``, ``builder_view``, the field rows in ``rows``)."""
