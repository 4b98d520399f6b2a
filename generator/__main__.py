"""``python -m generator``.

The validator's child process is forked before anything else is imported (the
module imports only the standard library): importing openapi-spec-validator in
the child is the longest step of a run on a small spec, and it starts while
this process imports the rest. A run that needs no validation closes it.
"""

from generator.validator import Validator

early = Validator()

from generator.cli import main  # noqa: E402  # after the fork, so the child does not import it

raise SystemExit(main(validator=early))
