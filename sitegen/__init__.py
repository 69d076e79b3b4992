"""The spine tumor service-line site generator: content and data in, a static site out."""
