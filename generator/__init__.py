"""openapi-typed-gen: an OpenAPI 3.0/3.1 document in, a typed sync/async httpx client out."""

__version__ = "0.1.0"
GENERATOR_NAME = "openapi-typed-gen"
