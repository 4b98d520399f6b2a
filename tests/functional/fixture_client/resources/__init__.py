"""The API's resources, one module each (imported on first use by the client)."""
