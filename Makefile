# convmanim: `make demo` renders the default animation, `make test` runs the tests.
# Both set everything up first (system packages, .venv, the package) and skip
# whatever is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.convmanim-installed

.PHONY: demo test test-manim22 wheel-check setup system lint bench gallery clean

demo: setup
	$(BIN)/convmanim alphabet -i 5 -k 3 -s 2 -p 1 --relationship -a -qa m --output-dir media demo
	@echo "Demo video written: media/demo.mp4"

test: setup
	$(BIN)/ruff check convmanim scenes tests bench
	$(BIN)/python -m pytest -q
	scripts/check-wheel.sh $(BIN)/python

# The wheel alone: build it, install it into a fresh venv, render a still there.
wheel-check: setup
	scripts/check-wheel.sh $(BIN)/python

# manim 0.22 beside 0.21: a second environment with manim 0.22 and every test but the
# geometry-only ones (CI runs it after `make test`). The slide-deck tests skip there:
# manim-slides 5.7 runs on manim 0.21 only.
VENV22  := .venv22
STAMP22 := $(VENV22)/.convmanim-installed
MANIM22 ?= manim==0.22.*
test-manim22: system $(STAMP22)
	$(VENV22)/bin/python -c "import manim; assert manim.__version__.startswith('0.22'), manim.__version__"
	$(VENV22)/bin/python -m pytest -q --ignore=tests/test_geometry.py \
		--ignore=tests/test_channels.py --ignore=tests/test_torch.py \
		--ignore=tests/test_conv1d.py --ignore=tests/test_receptive_field.py

$(STAMP22): pyproject.toml
	@test -x $(VENV22)/bin/python || $(PYTHON) -m venv $(VENV22)
	$(VENV22)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' \
		'$(MANIM22)'
	@touch $@

setup: system $(STAMP)

system:
	@scripts/ensure-system-deps.sh

# editable_mode=compat: a plain path in a .pth file, so that Python starts without
# importing an import hook first, and the command handles Ctrl-C sooner.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--config-settings editable_mode=compat -e '.[test,test-slides]'
	@touch $@

# Renders run at once, each in a process of its own (make gallery, make bench, lectures).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# The README's performance table and the encoder table: python bench/run.py (untimed
# renders JOBS at once, every timed render alone), then convmanim's file writers against
# imageio's on the same frames (bench/writers.py).
bench: setup
	$(BIN)/python bench/run.py --jobs $(JOBS)
	$(BIN)/python bench/writers.py

# The README's gallery, through the project's own CLI: small GIFs under media/gallery/,
# JOBS at once.
GALLERY := $(BIN)/convmanim
GOPT    := --format gif --no-progress --output-dir media/gallery
GQ      := -qa 480x270@10 $(GOPT)
GIFS    := arithmetic_conv arithmetic_transposed_conv arithmetic_dilated \
           arithmetic_channels numerical_conv numerical_max numerical_transposed \
           numerical_channels numerical_checkerboard numerical_pixel_shuffle \
           alphabet_relationship alphabet_channels numerical_causal_1d alphabet_causal_1d \
           stack_wavenet stack_grid \
           numerical_gradient alphabet_gradient
gallery: setup
	rm -f media/gallery/*.gif
	$(MAKE) --no-print-directory -j$(JOBS) $(addprefix gallery/,$(GIFS))
	@du -ch media/gallery/*.gif | tail -1

.PHONY: $(addprefix gallery/,$(GIFS))
gallery/arithmetic_conv:
	$(GALLERY) arithmetic -i 5 -k 3 -s 2 -p 1 -a $(GQ) arithmetic_conv
gallery/arithmetic_transposed_conv:
	$(GALLERY) arithmetic -i 5 -k 3 -s 2 -p 1 -t -a $(GQ) arithmetic_transposed_conv
gallery/arithmetic_dilated:
	$(GALLERY) arithmetic -i 7 -k 3 -d 2 -a $(GQ) arithmetic_dilated
gallery/arithmetic_channels:
	$(GALLERY) arithmetic -i 5 -k 3 -s 2 -p 1 --in-channels 3 --out-channels 2 -a -qa \
		854x480@10 $(GOPT) arithmetic_channels
gallery/numerical_conv:
	$(GALLERY) numerical -i 5 -k 3 -s 2 -p 1 -a $(GQ) numerical_conv
gallery/numerical_max:
	$(GALLERY) numerical -i 6 -k 2 -s 2 -m max -a $(GQ) numerical_max
gallery/numerical_transposed:
	$(GALLERY) numerical -i 5 -k 3 -s 2 -p 1 -t -a $(GQ) numerical_transposed
gallery/numerical_channels:
	$(GALLERY) numerical -i 3 -k 2 --in-channels 3 --out-channels 2 -a -qa 854x480@10 \
		$(GOPT) numerical_channels
gallery/numerical_checkerboard:
	$(GALLERY) numerical -i 5 -k 3 -s 2 -p 1 -t --overlap -a -qa 854x480@10 $(GOPT) \
		numerical_checkerboard
gallery/numerical_pixel_shuffle:
	$(GALLERY) numerical -i 3 -k 3 -p 1 --out-channels 4 --pixel-shuffle 2 -a -qa 854x480@10 \
		$(GOPT) numerical_pixel_shuffle
gallery/alphabet_relationship:
	$(GALLERY) alphabet -i 5 -k 3 -s 2 -p 1 --relationship -a -qa 640x360@10 $(GOPT) \
		alphabet_relationship
gallery/alphabet_channels:
	$(GALLERY) alphabet -i 5 -k 3 -s 2 -p 1 --in-channels 3 --out-channels 2 --stepwise \
		--step-time 1.5 -a -qa 1280x720@1 $(GOPT) alphabet_channels
gallery/numerical_causal_1d:
	$(GALLERY) numerical --1d -i 8 -k 3 -d 2 -p causal --seed 2 -a -qa 640x360@10 $(GOPT) \
		numerical_causal_1d
gallery/alphabet_causal_1d:
	$(GALLERY) alphabet --1d -i 8 -k 3 -d 2 -p causal -a -qa 640x360@10 $(GOPT) \
		alphabet_causal_1d
gallery/stack_wavenet:
	$(GALLERY) stack "k2 causal; k2 d2 causal; k2 d4 causal; k2 d8 causal" -i 16 -a \
		-qa 854x480@10 $(GOPT) stack_wavenet
gallery/stack_grid:
	$(GALLERY) stack "k3 s2 p1; k3 d2" -i 11x11 -c 1x1 -a -qa 854x480@10 $(GOPT) stack_grid

gallery/numerical_gradient:
	$(GALLERY) numerical -i 5 -k 3 -s 2 -p 1 --gradient -a $(GQ) numerical_gradient
gallery/alphabet_gradient:
	$(GALLERY) alphabet -i 4 -k 3 --gradient -a -qa 640x360@10 $(GOPT) alphabet_gradient

lint: setup
	$(BIN)/ruff check convmanim scenes tests bench

clean:
	rm -rf $(VENV) $(VENV22) build *.egg-info .pytest_cache .hypothesis
