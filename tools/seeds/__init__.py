"""The generators of the committed dbt seeds in ``seeds/`` and their ``--check``."""
