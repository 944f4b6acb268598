# Two commands: `make demo` runs the product, `make test` runs the tests. Both bootstrap first.
.PHONY: demo test lint bench bootstrap

BOOTSTRAP_STAMP := .venv/.bootstrapped

$(BOOTSTRAP_STAMP): uv.lock package-lock.json pyproject.toml scripts/bootstrap
	./scripts/bootstrap

bootstrap: $(BOOTSTRAP_STAMP)

demo: $(BOOTSTRAP_STAMP)
	.venv/bin/leadline demo $(ARGS)

test: $(BOOTSTRAP_STAMP)
	.venv/bin/pytest $(ARGS)

lint: $(BOOTSTRAP_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy leadline
	.venv/bin/leadline manage makemigrations --check --dry-run
