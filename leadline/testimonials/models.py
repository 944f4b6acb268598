"""Testimonial requests, submissions, moderation and the public wall."""
