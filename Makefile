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

bench: $(BOOTSTRAP_STAMP)
	.venv/bin/leadline bench $(ARGS)

# Runs every check even when an earlier one fails, then fails if any did.
lint: $(BOOTSTRAP_STAMP)
	@status=0; \
	echo "==> ruff check"; .venv/bin/ruff check . || status=1; \
	echo "==> ruff format --check"; .venv/bin/ruff format --check . || status=1; \
	echo "==> mypy"; .venv/bin/mypy leadline || status=1; \
	echo "==> makemigrations --check"; .venv/bin/leadline manage makemigrations --check --dry-run || status=1; \
	exit $$status
