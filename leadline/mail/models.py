"""Email templates, the shared layout, sender identities, campaigns and their outbox."""
