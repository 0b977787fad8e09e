"""The one wording of a failed background job."""

from initviz.errors import ExperimentError
from initviz.ui.worker_errors import failure_message


def test_experiment_errors_read_as_they_are_and_others_name_the_job():
    assert failure_message(ExperimentError("layers[2].units", "got 0")) == "layers[2].units: got 0"
    assert failure_message(ZeroDivisionError("division by zero"), "training") == \
        "training failed: ZeroDivisionError: division by zero"
    assert failure_message(MemoryError()) == "MemoryError"
