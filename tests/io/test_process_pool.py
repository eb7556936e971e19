"""`stages.io.process_pool`: a task's error reaches the caller, even one that does not pickle."""

from __future__ import annotations

import pytest

from stages.io.process_pool import WorkerError, worker_pool


class Unpicklable(Exception):
    """An error holding a local function, as pyparsing's parse errors do: pickling it fails."""

    def __init__(self, text: str):
        super().__init__(text)
        self.callback = lambda: None


def fails_unpicklably(value: int) -> int:
    raise Unpicklable(f"no value {value}")


def fails_plainly(value: int) -> int:
    raise KeyError(value)


def doubled(value: int) -> int:
    return 2 * value


def test_an_error_that_does_not_pickle_comes_back_as_its_type_and_text():
    with worker_pool() as pool, pytest.raises(WorkerError, match=r"^Unpicklable: no value 3$"):
        pool.submit(fails_unpicklably, 3).result()
    with worker_pool() as pool, pytest.raises(WorkerError, match=r"^Unpicklable: no value 1$"):
        list(pool.map(fails_unpicklably, [1, 2]))


def test_an_error_that_pickles_comes_back_as_itself_and_results_in_order():
    with worker_pool() as pool, pytest.raises(KeyError, match="7"):
        pool.submit(fails_plainly, 7).result()
    with worker_pool() as pool:
        assert list(pool.map(doubled, range(5))) == [0, 2, 4, 6, 8]
        assert pool.submit(doubled, 21).result() == 42
