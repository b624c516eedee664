"""Server-rendered web pages (Jinja2), calling the same services as the API."""
