# The front door. `make run` starts the whole assistant; `make test` runs the whole test suite.
PY := .venv/bin/python
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: setup run scale shell train test bench lookups validate clean retrain

setup:
	@bash scripts/setup.sh

run: setup
	@$(PY) -m assistant.stack run

scale: setup
	@$(PY) -m assistant.scale up

shell: setup
	@$(PY) -m assistant.stack shell

train: setup
	@$(PY) -m assistant.stack train

test: setup
	@bash scripts/test.sh

bench: setup
	@$(PY) -m assistant.stack train
	@$(PY) bench/bench.py $(BENCH_ARGS)
	@$(PY) bench/scale_bench.py
	@$(PY) bench/nlu_components.py
	@$(PY) bench/nlu_compare.py

lookups: setup
	@$(PY) scripts/make_lookups.py
	@$(PY) scripts/make_guess_words.py

# The messages staff labelled in the console (insights export): FILE=… is added to data/nlu/insights/, then trained.
retrain: setup
	@$(PY) -m assistant.insights.retrain "$(FILE)"

validate: setup
	@.venv/bin/rasa data validate --domain domain.yml --data data

clean:
	rm -rf var results .pytest_cache
